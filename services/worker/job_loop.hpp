// JobLoop: the worker's main duty: whenever one of the process's job lanes is free, take a job
// (an expired one first, else a new one) and hand it to that lane, which runs it to its outcome
// (job_lanes.hpp, job_runner.hpp). Up to --jobs-in-flight jobs per process.
// Invariants:
//   - A job is read only when a lane is free to start it at once: the process never holds a
//     job it is not running.
//   - Redis being down never ends the loop: the loop backs off and tries again.
//   - Once stop is requested, no new job is started; a job delivered just then has its lease
//     released at once for another worker. The jobs in flight finish in their lanes.
#pragma once

#include <optional>
#include <random>
#include <string>

#include "common/queue/job_queue.hpp"
#include "common/queue/retry_policy.hpp"
#include "services/worker/job_lanes.hpp"
#include "services/worker/reclaimer.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_config.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class JobLoop {
 public:
  JobLoop(const WorkerConfig& config, std::string consumer, JobLanes& lanes, WorkerMetrics& metrics,
          StopToken& stop);

  // Runs until stop is requested. The jobs in flight then are still running in their lanes.
  void run();

 private:
  std::optional<queue::Job> next_job();
  void hand_back(const queue::Job& job);
  void backoff_after_failure(const char* event, const std::string& error);

  const WorkerConfig& config_;
  std::string consumer_;
  JobLanes& lanes_;
  WorkerMetrics& metrics_;
  StopToken& stop_;
  redis::SyncClient client_;
  queue::JobQueue queue_;
  Reclaimer reclaimer_;
  std::mt19937_64 rng_{std::random_device{}()};
  int failures_ = 0;  // consecutive Redis failures, for the backoff
  bool group_ready_ = false;
};

}  // namespace patchq::worker
