// KeyRateLimiter: V7's documented limit, 1000 requests per minute per API key, as a sliding
// window: a request is admitted when fewer than 1000 were admitted for that key in the last
// 60 seconds. Enabled with --enforce-rate-limit; over the limit the API answers 429 with
// Retry-After (seconds until the oldest request in the window leaves it). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::v7sim {

class KeyRateLimiter {
 public:
  explicit KeyRateLimiter(std::size_t per_minute = 1000);
  // nullopt when admitted; otherwise the whole seconds (>= 1) until one request will be.
  std::optional<std::int64_t> admit(std::string_view key);

 private:
  std::mutex mu_;
  std::size_t limit_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>, std::less<>> windows_;
};

}  // namespace patchq::v7sim
