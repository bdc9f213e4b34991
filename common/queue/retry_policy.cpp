// RetryPolicy::decide: see retry_policy.hpp for the rule and why.
#include "common/queue/retry_policy.hpp"

#include <algorithm>

namespace patchq::queue {

Decision RetryPolicy::decide(const Job& job, const JobOutcome& outcome,
                             std::mt19937_64& rng) const {
  switch (outcome.kind) {
    case JobOutcome::Kind::done:
      return {Decision::Kind::complete, std::chrono::milliseconds(0), ""};
    case JobOutcome::Kind::dead:
      return {Decision::Kind::bury, std::chrono::milliseconds(0), dead_reason::permanent};
    case JobOutcome::Kind::retry:
      break;
  }
  if (job.attempt + 1 >= max_attempts) {
    return {Decision::Kind::bury, std::chrono::milliseconds(0), dead_reason::attempts_exhausted};
  }
  std::optional<std::chrono::milliseconds> retry_after;
  if (outcome.retry_after) {
    retry_after = std::clamp(*outcome.retry_after, std::chrono::milliseconds(0), kMaxRetryAfter);
  }
  return {Decision::Kind::retry, retry::backoff_delay(backoff, job.attempt, retry_after, rng), ""};
}

}  // namespace patchq::queue
