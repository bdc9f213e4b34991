// JobRunner: one run of one job, from start to outcome: hold the job's lease (the runner's own
// LeaseKeeper, thread and Redis connection), run the handler, write the outcome the retry
// policy decides, log it. JobLanes keeps one runner per lane; a runner runs one job at a time.
// Invariants:
//   - An outcome is written only after the handler returned; a job whose process dies, or
//     whose shutdown grace runs out, stays pending and is reclaimed elsewhere.
//   - Redis being down never drops a finished outcome: the runner backs off and tries again
//     (the outcome scripts are idempotent: a repeat is refused as "not owned" once the first
//     try went through); only a lost lease or the shutdown's deadline ends the tries.
#pragma once

#include <random>
#include <string>

#include "common/queue/job_queue.hpp"
#include "common/queue/retry_policy.hpp"
#include "services/worker/lease_keeper.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_config.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class JobRunner {
 public:
  // `handler` is shared with the other lanes (called concurrently) and outlives the runner.
  JobRunner(const WorkerConfig& config, std::string consumer, const queue::JobHandler& handler,
            WorkerMetrics& metrics, StopToken& stop);

  // Runs the job (already started for this consumer) to its outcome.
  void run(const queue::Job& job);
  // Shutdown past its grace: gives the running job's lease up. Safe from any thread.
  void release_lease() { lease_keeper_.release(); }

 private:
  enum class Written { yes, lease_lost };
  queue::JobOutcome run_handler(const queue::Job& job, queue::JobContext& ctx);
  Written write_outcome(const queue::Job& job, const queue::JobOutcome& outcome,
                        const queue::Decision& decision);
  void wait_before_rewrite(const queue::Job& job, const char* error, int failures);

  const WorkerConfig& config_;
  std::string consumer_;
  const queue::JobHandler& handler_;
  WorkerMetrics& metrics_;
  StopToken& stop_;
  queue::RetryPolicy policy_;
  redis::SyncClient client_;  // outcomes
  queue::JobQueue queue_;
  LeaseKeeper lease_keeper_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace patchq::worker
