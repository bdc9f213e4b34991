// SimStats: what the simulator was asked, for tests that prove how a client behaved
// (retries, calls per tile, whether an API key leaked to storage).
// JSON (GET /_sim/stats):
//   {"requests_total":N,
//    "endpoints":{"<endpoint>":{"total":N,"by_status":{"200":N,"503":N,"reset":N},
//                               "handling_ms":N}},
//    "storage_auth_headers_seen":N}
// "reset" counts connections dropped by fault injection; "unmatched" counts requests that
// matched no route; "handling_ms" is the time the stand-in spent answering the endpoint's
// calls (summed; injected latency not included), e.g. register_existing's object checks.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace patchq::v7sim {

class SimStats {
 public:
  // status 0 = connection reset
  void record(std::string_view endpoint, int status,
              std::chrono::microseconds handling = std::chrono::microseconds(0));
  void storage_auth_header_seen();
  std::string to_json() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::uint64_t>, std::less<>> counts_;
  std::map<std::string, std::chrono::microseconds, std::less<>> handling_;
  std::uint64_t total_ = 0;
  std::uint64_t storage_auth_headers_ = 0;
};

}  // namespace patchq::v7sim
