// RetryForwarder: the scheduler step every worker runs: moves retries whose due time has come
// from the retry set back to the jobs stream (JobQueue::forward_due_retries, one Lua script,
// so two workers never move one job twice). A Duty on its own thread and Redis connection:
// each round drains in batches while a backlog is due; once the process's stop token is
// raised it forwards nothing more.
#pragma once

#include <chrono>

#include "common/queue/job_queue.hpp"
#include "services/worker/duty.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class RetryForwarder : public Duty {
 public:
  // Starts the duty; `interval` is the poll interval.
  RetryForwarder(redis::SyncClient::Options redis, queue::KeySchema keys,
                 std::chrono::milliseconds interval, StopToken& stop, WorkerMetrics& metrics);
  ~RetryForwarder() override;

  // The poll interval for a retry base: half the base, within [50 ms, 1 s], so short test
  // backoffs are honoured and production polls once a second.
  static std::chrono::milliseconds interval_for(std::chrono::milliseconds retry_base);

 private:
  std::chrono::milliseconds exec() override;

  redis::SyncClient client_;
  queue::JobQueue queue_;
  StopToken& stop_;
  WorkerMetrics& metrics_;
  int failures_ = 0;
};

}  // namespace patchq::worker
