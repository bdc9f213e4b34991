#include "common/v7/client_config.hpp"

#include <cstdlib>

#include "common/net/url.hpp"

namespace patchq::v7 {

void add_v7_flags(config::FlagSet& flags, V7ClientConfig& config, V7FlagScope scope) {
  const bool all = scope == V7FlagScope::all;
  // The original patch server read V7_KEY: take it as the default so V7_API_KEY (read by the
  // flag set) and --v7-api-key still win over it.
  if (config.api_key.empty()) {
    if (const char* legacy = std::getenv("V7_KEY"); legacy != nullptr) config.api_key = legacy;
  }
  flags
      .add_string("v7-api-url", &config.api_url, "V7_API_URL",
                  "V7 (Darwin) API base URL; the API key is sent to this origin only")
      .add_string("v7-api-key", &config.api_key, "V7_API_KEY", "V7 API key (also read from V7_KEY)",
                  /*secret=*/true)
      .add_bool("allow-private-hosts", &config.allow_private_hosts, "PATCHQ_ALLOW_PRIVATE_HOSTS",
                "allow loopback/private/link-local addresses for every host (tests, the local "
                "demo); for one private server use --allow-private-v7-api or "
                "--allow-private-storage")
      .add_bool("allow-private-v7-api", &config.allow_private_v7_api, "PATCHQ_ALLOW_PRIVATE_V7_API",
                "allow the --v7-api-url origin alone (scheme, host and port exact) on a "
                "loopback/private address; every other host keeps the address rules");
  if (all) {
    flags
        .add_string("allowed-image-hosts", &config.allowed_image_hosts,
                    "PATCHQ_ALLOWED_IMAGE_HOSTS",
                    "comma list of image hosts besides the V7 API (\".example.com\" or "
                    "\"*.example.com\" = any subdomain, \"@cloud-storage\" = S3/GCS/Azure); "
                    "empty = @cloud-storage")
        .add_bytes("max-image-bytes", &config.max_image_bytes, "PATCHQ_MAX_IMAGE_BYTES",
                   "largest image download; the transfer is aborted past it")
        .add_bytes("min-download-rate", &config.min_download_rate, "PATCHQ_MIN_DOWNLOAD_RATE",
                   "bytes per second an image download must average once --download-grace has "
                   "passed, or it is aborted and retried later (0 = off)")
        .add_duration("download-grace", &config.download_grace, "PATCHQ_DOWNLOAD_GRACE",
                      "time an image download may take before --min-download-rate applies");
  }
  flags
      .add_duration("connect-timeout", &config.connect_timeout, "PATCHQ_CONNECT_TIMEOUT",
                    "TCP/TLS connect timeout for V7 and storage")
      .add_duration("transfer-timeout", &config.transfer_timeout, "PATCHQ_TRANSFER_TIMEOUT",
                    "total time for one HTTP call, redirects included");
  if (all) {
    flags
        .add_string("upload-mode", &config.upload_mode, "PATCHQ_UPLOAD_MODE",
                    "direct (tiles batched into base64 direct_upload calls up to 30 MB) or "
                    "register (register_upload/sign/PUT/confirm per tile)")
        .add_bool("create-target", &config.create_target, "PATCHQ_CREATE_TARGET",
                  "create the target dataset when it does not exist");
  }
  flags
      .add_int("v7-rate", &config.rate_per_minute, "PATCHQ_V7_RATE",
               "V7 API requests per minute for the whole fleet (V7 allows 1000)", 1, 100000)
      .add_int("v7-rate-burst", &config.rate_burst, "PATCHQ_V7_RATE_BURST",
               "requests the fleet may send at once before the rate applies", 1, 10000)
      .add_duration("v7-share-window", &config.rate_share_window, "PATCHQ_V7_SHARE_WINDOW",
                    "jobs that called V7 within this window share the budget equally "
                    "(0: first come, first served)");
}

Status validate(const V7ClientConfig& config) {
  auto url = net::Url::parse(config.api_url);
  if (!url) return fail("--v7-api-url: " + url.error().reason);
  if (config.api_key.empty()) return fail("no V7 API key: set V7_API_KEY (or --v7-api-key)");
  if (config.upload_mode != "register" && config.upload_mode != "direct") {
    return fail("--upload-mode must be register or direct, not " + config.upload_mode);
  }
  if (config.upload_concurrency < 1) return fail("--upload-concurrency must be >= 1");
  if (config.max_image_bytes == 0) return fail("--max-image-bytes must be > 0");
  if (config.connect_timeout.count() <= 0 || config.transfer_timeout.count() <= 0) {
    return fail("timeouts must be > 0");
  }
  if (config.min_download_rate > 0 && config.download_grace.count() <= 0) {
    return fail("--download-grace must be > 0 when --min-download-rate is set");
  }
  if (config.rate_share_window.count() < 0 || config.rate_share_window > std::chrono::hours(1)) {
    return fail("--v7-share-window must be between 0 and 1h");
  }
  if (config.rate_per_minute < 1 || config.rate_burst < 1) {
    return fail("--v7-rate and --v7-rate-burst must be >= 1");
  }
  return ok_status();
}

UploadMode upload_mode(const V7ClientConfig& config) {
  return config.upload_mode == "direct" ? UploadMode::direct : UploadMode::register_sign_confirm;
}

}  // namespace patchq::v7
