// Reclaimer: expired leases -> this worker, poison -> dead letters (see reclaimer.hpp).
#include "services/worker/reclaimer.hpp"

#include <algorithm>
#include <utility>

#include "common/obs/log.hpp"
#include "services/worker/outcome_log.hpp"

namespace patchq::worker {
namespace {

using std::chrono::milliseconds;

// Consumers idle this long without pending entries belong to exited workers.
milliseconds prune_after(milliseconds lease) {
  return std::max<milliseconds>(2 * lease, std::chrono::minutes(5));
}
constexpr auto kPruneEvery = std::chrono::minutes(1);

// Scan often enough that a dead worker's job waits little more than its lease, rarely enough
// that an idle fleet does not hammer Redis.
milliseconds scan_interval(milliseconds lease) {
  return std::clamp<milliseconds>(lease / 4, milliseconds(20), milliseconds(1000));
}

}  // namespace

Reclaimer::Reclaimer(queue::JobQueue& queue, std::string consumer, queue::RetryPolicy policy,
                     milliseconds lease, WorkerMetrics& metrics)
    : Duty({"reclaimer", scan_interval(lease)}),
      queue_(queue),
      consumer_(std::move(consumer)),
      policy_(policy),
      lease_(lease),
      metrics_(metrics) {}

std::optional<queue::Job> Reclaimer::next() {
  run_if_due();
  return std::exchange(claimed_, std::nullopt);
}

milliseconds Reclaimer::exec() {
  const auto now = Clock::now();
  if (now >= next_prune_) {
    next_prune_ = now + kPruneEvery;
    if (const auto pruned = queue_.prune_idle_consumers(prune_after(lease_)); pruned > 0) {
      obs::log_info("consumers_pruned").field("count", static_cast<std::uint64_t>(pruned));
    }
  }
  // A bounded number of claims per call, so poison jobs cannot keep the loop from reading.
  for (int i = 0; i < 16; ++i) {
    auto delivery = queue_.claim_expired(consumer_, lease_, cursor_);
    if (!delivery) break;
    if (policy_.is_poison(delivery->deliveries)) {
      const std::string error = "delivered " + std::to_string(delivery->deliveries) +
                                " times without an outcome: the job kills or stalls its worker";
      const auto dead_id =
          queue_.bury(queue::job_of(*delivery), consumer_, queue::dead_reason::poison, error);
      if (dead_id) {
        metrics_.dead_letter(queue::dead_reason::poison);
        metrics_.job_finished("dead", delivery->attempt + 1, std::chrono::nanoseconds(0));
        OutcomeLog log;
        log.warn = true;
        log.job_id = delivery->job_id;
        log.outcome = "dead";
        log.attempt = delivery->attempt + 1;
        log.deliveries = delivery->deliveries;
        log.error = error;
        log.reason = queue::dead_reason::poison;
        log_job_outcome(log);
      }
      continue;
    }
    claimed_ = queue_.start(*delivery, consumer_);
    if (!claimed_) continue;
    metrics_.reclaimed();
    obs::log_info("job_reclaimed")
        .field("job_id", claimed_->id)
        .field("attempt", claimed_->attempt + 1)
        .field("deliveries", claimed_->deliveries);
    return milliseconds(0);  // scan again right after this job: more may have expired
  }
  return interval();
}

}  // namespace patchq::worker
