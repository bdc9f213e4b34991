// JobLanes: N lane threads, each running one job at a time (see job_lanes.hpp).
#include "services/worker/job_lanes.hpp"

#include <algorithm>
#include <chrono>

#include "common/obs/log.hpp"

namespace patchq::worker {
namespace {

// How often a wait for a free lane looks at the stop token (the token has its own wakeup).
constexpr std::chrono::milliseconds kStopPoll{50};

}  // namespace

JobLanes::JobLanes(const WorkerConfig& config, const std::string& consumer,
                   queue::JobHandler handler, WorkerMetrics& metrics, StopToken& stop)
    : handler_(std::move(handler)), metrics_(metrics), stop_(stop) {
  const std::size_t n = static_cast<std::size_t>(std::max<std::int64_t>(1, config.jobs_in_flight));
  for (std::size_t i = 0; i < n; ++i) {
    auto lane = std::make_unique<Lane>();
    lane->runner = std::make_unique<JobRunner>(config, consumer, handler_, metrics, stop);
    lanes_.push_back(std::move(lane));
  }
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { run_lane(*l); });
  metrics_.job_lanes(static_cast<std::int64_t>(n));
}

JobLanes::~JobLanes() {
  finish();
}

void JobLanes::finish() {
  {
    std::unique_lock lock(mutex_);
    if (busy_locked() > 0 && !closing_) {
      obs::log_info("waiting_for_jobs_in_flight")
          .field("jobs", static_cast<std::int64_t>(busy_locked()));
    }
    closing_ = true;
  }
  changed_.notify_all();
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

bool JobLanes::wait_for_free_lane() {
  std::unique_lock lock(mutex_);
  while (!stop_.requested()) {
    if (changed_.wait_for(lock, kStopPoll, [this] { return busy_locked() < lanes_.size(); })) {
      return !stop_.requested();
    }
  }
  return false;
}

void JobLanes::start(queue::Job job) {
  {
    std::lock_guard lock(mutex_);
    auto free = std::find_if(lanes_.begin(), lanes_.end(),
                             [](const auto& lane) { return !lane->job.has_value(); });
    if (free == lanes_.end()) throw std::logic_error("JobLanes::start without a free lane");
    (*free)->job = std::move(job);
    metrics_.jobs_in_flight(static_cast<std::int64_t>(busy_locked()));
  }
  changed_.notify_all();
}

void JobLanes::release_leases() {
  // Runners outlive this call (the lanes end only in the destructor); release() locks its own.
  for (auto& lane : lanes_) lane->runner->release_lease();
}

std::size_t JobLanes::busy() const {
  std::lock_guard lock(mutex_);
  return busy_locked();
}

std::size_t JobLanes::busy_locked() const {
  return static_cast<std::size_t>(std::count_if(
      lanes_.begin(), lanes_.end(), [](const auto& lane) { return lane->job.has_value(); }));
}

void JobLanes::run_lane(Lane& lane) {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Closing ends a lane only when it has no job: a started job always runs to its outcome.
    changed_.wait(lock, [&] { return lane.job.has_value() || closing_; });
    if (!lane.job) return;
    const queue::Job job = *lane.job;
    lock.unlock();
    try {
      lane.runner->run(job);
    } catch (const std::exception& e) {
      // The lane outlives a job whose run broke (its lease lapses and the job runs again);
      // an exception leaving a lane thread would end the process with every job in flight.
      obs::log_error("job_run_failed").field("job_id", job.id).field("error", e.what());
    }
    lock.lock();
    lane.job.reset();
    metrics_.jobs_in_flight(static_cast<std::int64_t>(busy_locked()));
    changed_.notify_all();
  }
}

}  // namespace patchq::worker
