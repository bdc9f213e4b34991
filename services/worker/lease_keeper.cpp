// LeaseKeeper: the renewal thread (see lease_keeper.hpp).
#include "services/worker/lease_keeper.hpp"

#include "common/obs/log.hpp"

namespace patchq::worker {

LeaseKeeper::LeaseKeeper(redis::SyncClient::Options redis, queue::KeySchema keys,
                         std::string consumer, std::chrono::milliseconds period,
                         WorkerMetrics& metrics)
    : Duty({"lease_keeper", period}),
      consumer_(std::move(consumer)),
      metrics_(metrics),
      client_(std::move(redis)),
      queue_(client_, std::move(keys)) {
  start();
}

LeaseKeeper::~LeaseKeeper() {
  stop();
}

void LeaseKeeper::hold(const queue::Job& job) {
  {
    std::lock_guard lock(mutex_);
    job_ = job;
    ++generation_;
    lost_ = false;
  }
  restart_wait();
}

void LeaseKeeper::drop() {
  {
    std::lock_guard lock(mutex_);
    job_.reset();
    ++generation_;
  }
  restart_wait();
}

void LeaseKeeper::release() {
  std::optional<queue::Job> job;
  {
    std::lock_guard lock(mutex_);
    job.swap(job_);
    ++generation_;
  }
  restart_wait();
  if (!job) return;
  try {
    std::lock_guard lock(redis_mutex_);
    const bool released = queue_.release_lease(*job, consumer_);
    obs::log_warn("lease_released")
        .field("job_id", job->id)
        .field("released", released)
        .field("note", "job left pending for another worker; not acked");
  } catch (const std::exception& e) {
    obs::log_warn("lease_release_failed")
        .field("job_id", job->id)
        .field("error", e.what())
        .field("note", "job stays pending and is reclaimed when its lease expires");
  }
}

std::chrono::milliseconds LeaseKeeper::exec() {
  std::unique_lock lock(mutex_);
  if (!job_) return interval();
  const std::uint64_t generation = generation_;
  const queue::Job job = *job_;
  lock.unlock();
  std::optional<bool> renewed;
  try {
    std::lock_guard redis_lock(redis_mutex_);
    renewed = queue_.renew_lease(job, consumer_);
  } catch (const std::exception& e) {
    metrics_.lease_renewal("error");
    metrics_.redis_error();
    obs::log_warn("lease_renewal_failed").field("job_id", job.id).field("error", e.what());
  }
  lock.lock();
  if (!renewed || generation_ != generation) return interval();
  if (*renewed) {
    metrics_.lease_renewal("ok");
  } else {
    metrics_.lease_renewal("lost");
    lost_ = true;
    job_.reset();
    obs::log_warn("lease_lost")
        .field("job_id", job.id)
        .field("note", "another worker owns the job now; this run's outcome will be dropped");
  }
  return interval();
}

}  // namespace patchq::worker
