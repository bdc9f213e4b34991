// RetryForwarder: the scheduler step every worker runs: moves retries whose due time has come
// from the retry set back to the jobs stream (JobQueue::forward_due_retries, one Lua script,
// so two workers never move one job twice). Own thread, own Redis connection; polls every
// `interval` and drains in batches while a backlog is due.
#pragma once

#include <chrono>
#include <thread>

#include "common/queue/job_queue.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class RetryForwarder {
 public:
  RetryForwarder(redis::SyncClient::Options redis, queue::KeySchema keys,
                 std::chrono::milliseconds interval, StopToken& stop, WorkerMetrics& metrics);
  ~RetryForwarder();  // raises the stop token (the process is ending) and joins the thread
  RetryForwarder(const RetryForwarder&) = delete;
  RetryForwarder& operator=(const RetryForwarder&) = delete;

  // The poll interval for a retry base: half the base, within [50 ms, 1 s], so short test
  // backoffs are honoured and production polls once a second.
  static std::chrono::milliseconds interval_for(std::chrono::milliseconds retry_base);

 private:
  void run();
  redis::SyncClient client_;
  queue::JobQueue queue_;
  std::chrono::milliseconds interval_;
  StopToken& stop_;
  WorkerMetrics& metrics_;
  std::thread thread_;
};

}  // namespace patchq::worker
