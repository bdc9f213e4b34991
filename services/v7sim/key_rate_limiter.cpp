// KeyRateLimiter: see key_rate_limiter.hpp.
#include "services/v7sim/key_rate_limiter.hpp"

#include <algorithm>

namespace patchq::v7sim {

KeyRateLimiter::KeyRateLimiter(std::size_t per_minute) : limit_(per_minute) {}

std::optional<std::int64_t> KeyRateLimiter::admit(std::string_view key) {
  constexpr auto kWindow = std::chrono::minutes(1);
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end())
    it = windows_.emplace(std::string(key), std::deque<std::chrono::steady_clock::time_point>{})
             .first;
  auto& window = it->second;
  while (!window.empty() && window.front() <= now - kWindow) window.pop_front();
  if (window.size() < limit_) {
    window.push_back(now);
    return std::nullopt;
  }
  const auto wait = std::chrono::ceil<std::chrono::seconds>(window.front() + kWindow - now);
  return std::max<std::int64_t>(1, wait.count());
}

}  // namespace patchq::v7sim
