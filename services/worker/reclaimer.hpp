// Reclaimer: finds jobs whose lease expired (their worker was SIGKILLed, crashed, stalled or
// gave them up at shutdown) and takes them over for this worker, via XAUTOCLAIM in JobQueue.
// A Duty driven from the job loop's thread between jobs (run_if_due), so a reclaimed job is
// run at once by the worker that claimed it and never sits claimed by a busy worker.
// Poison: a claimed entry delivered more than --max-deliveries times (RetryPolicy::is_poison)
// is sent to the dead letters instead of being run again.
// Also prunes consumers of exited workers now and then, so the group lists live workers.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/queue/job_queue.hpp"
#include "common/queue/retry_policy.hpp"
#include "services/worker/duty.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class Reclaimer : public Duty {
 public:
  Reclaimer(queue::JobQueue& queue, std::string consumer, queue::RetryPolicy policy,
            std::chrono::milliseconds lease, WorkerMetrics& metrics);

  // A job taken over and started for this worker, or nullopt (none expired, or the last scan
  // was too recent to scan again). Throws redis::ConnectionError like JobQueue.
  std::optional<queue::Job> next();

 private:
  using Clock = std::chrono::steady_clock;
  // One scan: claims at most a few expired entries, burying poison ones, until one can run.
  // Returns 0 after claiming a job (more may have expired), else the scan interval.
  std::chrono::milliseconds exec() override;

  queue::JobQueue& queue_;
  std::string consumer_;
  queue::RetryPolicy policy_;
  std::chrono::milliseconds lease_;
  WorkerMetrics& metrics_;
  std::string cursor_ = "0-0";
  std::optional<queue::Job> claimed_;  // exec()'s job, handed out by next()
  Clock::time_point next_prune_{};
};

}  // namespace patchq::worker
