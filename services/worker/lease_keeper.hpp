// LeaseKeeper: keeps the running job's lease alive while the handler works. A Duty on its own
// thread and Redis connection whose round renews the held job's lease (XCLAIM ... JUSTID
// through JobQueue) one period (lease/3) after hold() and every period after that.
// Invariants: it renews only the job it was told to hold, and only while this consumer still
// owns it; once a renewal finds the job owned by another worker, lost() stays true for that
// job and renewals stop (the job loop then drops its outcome instead of writing it).
// A failed renewal (Redis unreachable) is retried at the next period: two more chances before
// the lease can expire.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/queue/job_queue.hpp"
#include "services/worker/duty.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {

class LeaseKeeper : public Duty {
 public:
  LeaseKeeper(redis::SyncClient::Options redis, queue::KeySchema keys, std::string consumer,
              std::chrono::milliseconds period, WorkerMetrics& metrics);
  ~LeaseKeeper() override;

  void hold(const queue::Job& job);  // start renewing this job's lease
  void drop();                       // stop renewing (the outcome is written)
  bool lost() const { return lost_.load(); }
  // Shutdown past its grace: stop renewing and give the lease up so another worker takes the
  // job now rather than after a full lease. Safe to call from another thread.
  void release();

 private:
  std::chrono::milliseconds exec() override;

  std::string consumer_;
  WorkerMetrics& metrics_;
  redis::SyncClient client_;
  queue::JobQueue queue_;
  std::mutex redis_mutex_;  // one call at a time on client_ (renewal thread vs release)

  std::mutex mutex_;
  std::optional<queue::Job> job_;
  std::uint64_t generation_ = 0;  // bumped by hold/drop, so a stale renewal result is ignored
  std::atomic<bool> lost_{false};
};

}  // namespace patchq::worker
