// JobLoop: the worker's main duty: take a job (an expired one first, else a new one), run the
// handler on it while the lease keeper renews its lease, and write the outcome the retry
// policy decides. One job at a time per process.
// Invariants:
//   - An outcome is written only after the handler returned; a job whose process dies, or
//     whose shutdown grace runs out, stays pending and is reclaimed elsewhere.
//   - Redis being down never ends the loop and never drops a finished outcome: the loop backs
//     off and tries again (the outcome scripts are idempotent: a repeat is refused as "not
//     owned" once the first try went through).
//   - Once stop is requested, no new job is started; a job delivered just then has its lease
//     released at once for another worker.
#pragma once

#include <chrono>
#include <random>
#include <string>

#include "common/queue/job_queue.hpp"
#include "common/queue/retry_policy.hpp"
#include "services/worker/lease_keeper.hpp"
#include "services/worker/reclaimer.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_config.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class JobLoop {
 public:
  JobLoop(const WorkerConfig& config, std::string consumer, queue::JobHandler handler,
          WorkerMetrics& metrics, StopToken& stop, LeaseKeeper& lease_keeper);

  // Runs until stop is requested and the current job (if any) has its outcome written.
  void run();

 private:
  enum class Written { yes, lease_lost };
  std::optional<queue::Job> next_job();
  void process(const queue::Job& job);
  queue::JobOutcome run_handler(const queue::Job& job, queue::JobContext& ctx);
  Written write_outcome(const queue::Job& job, const queue::JobOutcome& outcome,
                        const queue::Decision& decision);
  void backoff_after_failure(const char* event, const std::string& error);

  const WorkerConfig& config_;
  std::string consumer_;
  queue::JobHandler handler_;
  WorkerMetrics& metrics_;
  StopToken& stop_;
  LeaseKeeper& lease_keeper_;
  queue::RetryPolicy policy_;
  redis::SyncClient client_;
  queue::JobQueue queue_;
  Reclaimer reclaimer_;
  std::mt19937_64 rng_{std::random_device{}()};
  int failures_ = 0;  // consecutive Redis failures, for the backoff
  bool group_ready_ = false;
};

}  // namespace patchq::worker
