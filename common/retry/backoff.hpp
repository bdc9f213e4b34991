// Backoff: the one delay formula patchq uses for every retry, in-process or job-level.
// delay = uniform(0, min(cap, base * 2^attempt)) ("full jitter"), raised to the server's
// Retry-After when that is larger. Full jitter spreads a fleet's retries so that 50 workers
// hit by one outage do not come back in lock-step.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace patchq::retry {

struct BackoffPolicy {
  std::chrono::milliseconds base{2000};
  std::chrono::milliseconds cap{600000};
};

// The ceiling min(cap, base * 2^attempt) for attempt = 0, 1, 2, ... (no overflow for any attempt).
std::chrono::milliseconds backoff_ceiling(const BackoffPolicy& policy, int attempt);

// A full-jitter delay for `attempt`, never below `retry_after` when given.
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& rng);

// A per-thread random generator seeded from the OS, for callers without their own.
std::mt19937_64& thread_rng();

}  // namespace patchq::retry
