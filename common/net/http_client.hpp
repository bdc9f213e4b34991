// HttpClient: one libcurl easy handle that keeps its connections (and TLS sessions, DNS cache)
// between calls, with patchq's safety rules on every request:
//   - redirects are followed by this code, not by libcurl, up to a bound, and every hop is
//     checked against HostRules by name and, at connect time, by resolved address;
//   - a Credential is attached, and an AwsSigV4 signature computed, only on hops whose
//     scheme+host+port equal its origin;
//   - the response body is capped while streaming (Content-Length may be absent or lie);
//   - connect timeout, total timeout (across all hops) and a low-speed abort always apply, and
//     a download floor (minimum average rate after a grace period) when the request sets one;
//   - proxies from the environment are ignored (they would bypass the address check).
// Invariant: one call at a time per HttpClient (give each thread its own); responses own
// their bytes; stats() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/net/host_rules.hpp"
#include "common/net/http_types.hpp"

namespace patchq::net {

struct HttpClientOptions {
  HostRules rules;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds transfer_timeout{120000};
  // Abort a transfer that moves fewer than low_speed_bytes per second for low_speed_time.
  long low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time{30};
  // CURLOPT_RESOLVE entries "host:port:address" (pinning a name; tests fake DNS with it).
  std::vector<std::string> resolve;
  std::string user_agent = "patchq/0.1";
};

struct HttpClientStats {
  std::uint64_t requests = 0;            // HTTP exchanges, redirect hops included
  std::uint64_t connections_opened = 0;  // new TCP connections (the rest were reused)
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult send(const HttpRequest& request);

  const HttpClientOptions& options() const { return options_; }
  // Safe to call from any thread, also while a call runs on another.
  HttpClientStats stats() const { return {requests_.load(), connections_opened_.load()}; }

 private:
  struct Hop;
  HttpResult perform_hop(Hop& hop, const HttpRequest& request,
                         std::chrono::steady_clock::time_point deadline);

  HttpClientOptions options_;
  void* curl_ = nullptr;          // CURL*
  void* resolve_list_ = nullptr;  // curl_slist*
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_opened_{0};
};

}  // namespace patchq::net
