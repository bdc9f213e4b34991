// RetryPolicy: the whole rule for what happens to a job after a run, in one place.
//
//   handler said done                        -> complete
//   handler said dead (permanent failure)    -> dead letter, reason "permanent"
//   handler said retry (or threw), attempt a:
//       a + 1 >= max_attempts                -> dead letter, reason "attempts_exhausted"
//       otherwise                            -> retry after backoff_delay(a, Retry-After)
//   stream entry delivered > max_deliveries
//   times without any outcome                -> dead letter, reason "poison"
//
// Why: a retryable failure is usually an outage (V7 5xx, 429, timeouts), so the delay grows
// (full jitter over min(cap, base * 2^a), common/retry/backoff.hpp) and a server's Retry-After
// is honoured, bounded by kMaxRetryAfter so a broken header cannot park a job for a year.
// max_attempts bounds the whole episode (defaults: 8 attempts over roughly 8 minutes of
// ceilings). A job that kills its worker never produces an outcome; the pending entry's
// delivery count is the only thing that sees it, hence the separate poison rule.
// What counts as retryable is the handler's call (it knows HTTP statuses and decode errors);
// this policy only decides when to give up and how long to wait.
#pragma once

#include <chrono>
#include <random>
#include <string>

#include "common/queue/job.hpp"
#include "common/retry/backoff.hpp"

namespace patchq::queue {

namespace dead_reason {
inline constexpr const char* permanent = "permanent";
inline constexpr const char* attempts_exhausted = "attempts_exhausted";
inline constexpr const char* poison = "poison";
}  // namespace dead_reason

inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(24);

struct Decision {
  enum class Kind { complete, retry, bury };
  Kind kind = Kind::complete;
  std::chrono::milliseconds delay{0};  // retry: wait this long before the next attempt
  std::string reason;                  // bury: one of dead_reason
};

struct RetryPolicy {
  int max_attempts = 8;
  int max_deliveries = 5;
  retry::BackoffPolicy backoff{};

  Decision decide(const Job& job, const JobOutcome& outcome, std::mt19937_64& rng) const;
  bool is_poison(int deliveries) const { return deliveries > max_deliveries; }
};

}  // namespace patchq::queue
