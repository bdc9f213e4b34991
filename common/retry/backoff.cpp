#include "common/retry/backoff.hpp"

#include <algorithm>

namespace patchq::retry {

std::chrono::milliseconds backoff_ceiling(const BackoffPolicy& policy, int attempt) {
  const std::int64_t cap = std::max<std::int64_t>(0, policy.cap.count());
  std::int64_t ceiling = std::max<std::int64_t>(0, policy.base.count());
  for (int i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& rng) {
  const std::int64_t ceiling = backoff_ceiling(policy, attempt).count();
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling);
  std::chrono::milliseconds delay(pick(rng));
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace patchq::retry
