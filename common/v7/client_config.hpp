// V7ClientConfig: everything the V7 client needs, filled from flags/environment by each
// service's main through add_v7_flags (so every service registers the same flags), then
// checked once with validate() before the client is built.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/flag_set.hpp"
#include "common/result/result.hpp"

namespace patchq::v7 {

// storage: tiles go to the customer's bucket and are registered in bulk (common/storage); it is
// chosen by --storage-url, not by --upload-mode.
enum class UploadMode { register_sign_confirm, direct, storage };

struct V7ClientConfig {
  std::string api_url = "https://darwin.v7labs.com";
  std::string api_key;               // secret: never logged, never in an error text
  bool allow_private_hosts = false;  // loopback/private addresses for every host
  // The configured API origin (scheme+host+port exact) alone may be on a private address.
  bool allow_private_v7_api = false;
  // Further origins (scheme+host+port exact) trusted on private addresses: the storage
  // server's with --allow-private-storage (set by the job handler from the storage settings).
  std::vector<std::string> private_origins;
  // Comma list of image hosts besides the V7 API origin ("cdn.example.com", ".example.com",
  // "@cloud-storage"); empty: "@cloud-storage" (S3, GCS and Azure presigned-URL hosts).
  std::string allowed_image_hosts;
  std::uint64_t max_image_bytes = 256ull << 20;
  // Image download floor: after download_grace, a download averaging fewer bytes a second
  // than this is aborted (a retryable timeout). 0: off.
  std::uint64_t min_download_rate = 32u << 10;
  std::chrono::milliseconds download_grace{10000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds transfer_timeout{120000};
  // Set by the worker from its own --upload-concurrency flag (one flag, one owner).
  std::int64_t upload_concurrency = 4;
  // "direct" (filled base64 direct_upload calls, <= 0.05 calls a tile up to ~1 MB tiles) or
  // "register" (register_upload/sign/PUT/confirm, ~2 calls a tile). Direct is the default:
  // under V7's per-key budget it carries ~40x the tiles (docs/BENCHMARKS.md, pipeline).
  std::string upload_mode = "direct";
  bool create_target = false;
  std::int64_t rate_per_minute = 900;  // fleet-wide V7 API budget (V7 allows 1000/min/key)
  std::int64_t rate_burst = 30;
  // Jobs that called V7 within this window share the budget equally (0: first come, first
  // served).
  std::chrono::milliseconds rate_share_window{1000};

  // Not flags: tuned here, overridable by tests.
  int quick_tries = 3;                                // in-client tries per call
  std::chrono::milliseconds quick_backoff_base{200};  // full jitter, see common/retry
  std::chrono::milliseconds quick_backoff_cap{5000};  // a longer Retry-After goes upward
  std::uint64_t max_api_response_bytes = 16u << 20;
  std::size_t register_batch = 500;                     // V7's register_upload limit
  std::uint64_t direct_upload_call_bytes = 30'000'000;  // V7's limit on a whole request
  int max_redirects = 5;
  std::vector<std::string> resolve;  // CURLOPT_RESOLVE pins ("host:port:addr"), tests
};

// Which of the V7 flags a program takes: all (the worker), or only those of API calls
// (patchqctl: --v7-api-url, --v7-api-key, --allow-private-hosts, the timeouts, --v7-rate,
// --v7-rate-burst), without the image and upload ones.
enum class V7FlagScope { all, api_calls };

// Registers --v7-api-url, --v7-api-key (env V7_API_KEY, falling back to V7_KEY),
// --allow-private-hosts, --allow-private-v7-api, --allowed-image-hosts, --max-image-bytes,
// --min-download-rate, --download-grace, --connect-timeout, --transfer-timeout, --upload-mode,
// --create-target, --v7-rate, --v7-rate-burst.
void add_v7_flags(config::FlagSet& flags, V7ClientConfig& config,
                  V7FlagScope scope = V7FlagScope::all);

// ok when usable, else the reason (for the service to print and exit 2).
Status validate(const V7ClientConfig& config);
UploadMode upload_mode(const V7ClientConfig& config);

}  // namespace patchq::v7
