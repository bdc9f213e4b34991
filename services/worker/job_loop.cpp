// JobLoop: free lane -> read -> start (see job_loop.hpp).
#include "services/worker/job_loop.hpp"

#include "common/obs/log.hpp"
#include "common/retry/backoff.hpp"

namespace patchq::worker {
namespace {

using std::chrono::milliseconds;

redis::SyncClient::Options redis_options(const WorkerConfig& config) {
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  options.connect_timeout = milliseconds(2000);
  options.command_timeout = milliseconds(5000);
  return options;
}

}  // namespace

JobLoop::JobLoop(const WorkerConfig& config, std::string consumer, JobLanes& lanes,
                 WorkerMetrics& metrics, StopToken& stop)
    : config_(config),
      consumer_(std::move(consumer)),
      lanes_(lanes),
      metrics_(metrics),
      stop_(stop),
      client_(redis_options(config)),
      queue_(client_, queue::KeySchema(config.prefix)),
      reclaimer_(queue_, consumer_, config.retry_policy(), config.lease, metrics) {}

void JobLoop::run() {
  while (lanes_.wait_for_free_lane()) {
    try {
      if (!group_ready_) {
        queue_.ensure_group();
        group_ready_ = true;
      }
      auto job = next_job();
      if (failures_ > 0) obs::log_info("redis_reachable_again").field("after_failures", failures_);
      failures_ = 0;
      if (!job) continue;
      if (stop_.requested()) {
        hand_back(*job);  // delivered while shutting down: another worker starts it
        break;
      }
      lanes_.start(std::move(*job));
    } catch (const redis::ConnectionError& e) {
      backoff_after_failure("redis_unavailable", e.what());
    } catch (const queue::QueueError& e) {
      group_ready_ = false;  // e.g. the stream or group was deleted: recreate before reading
      backoff_after_failure("queue_error", e.what());
    }
  }
  obs::log_info("job_loop_stopped")
      .field("consumer", consumer_)
      .field("jobs_in_flight", static_cast<std::int64_t>(lanes_.busy()));
}

std::optional<queue::Job> JobLoop::next_job() {
  if (auto job = reclaimer_.next()) return job;
  auto delivery = queue_.read(consumer_, config_.block);
  if (!delivery) return std::nullopt;
  return queue_.start(*delivery, consumer_);
}

void JobLoop::hand_back(const queue::Job& job) {
  try {
    const bool released = queue_.release_lease(job, consumer_);
    obs::log_info("job_handed_back")
        .field("job_id", job.id)
        .field("released", released)
        .field("note", "delivered during shutdown; left pending for another worker, not acked");
  } catch (const std::exception& e) {
    obs::log_warn("lease_release_failed")
        .field("job_id", job.id)
        .field("error", e.what())
        .field("note", "job stays pending and is reclaimed when its lease expires");
  }
}

void JobLoop::backoff_after_failure(const char* event, const std::string& error) {
  metrics_.redis_error();
  const auto delay =
      retry::backoff_delay(redis::kUnreachableBackoff, failures_, milliseconds(50), rng_);
  ++failures_;
  obs::log_warn(event)
      .field("error", error)
      .field("consecutive_failures", failures_)
      .field("retry_in_ms", static_cast<std::int64_t>(delay.count()));
  stop_.wait_for(delay);
}

}  // namespace patchq::worker
