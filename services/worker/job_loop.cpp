// JobLoop: read -> handle -> outcome (see job_loop.hpp).
#include "services/worker/job_loop.hpp"

#include <thread>

#include "common/obs/log.hpp"
#include "common/retry/backoff.hpp"
#include "services/worker/outcome_log.hpp"

namespace patchq::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

redis::SyncClient::Options redis_options(const WorkerConfig& config) {
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  options.connect_timeout = milliseconds(2000);
  options.command_timeout = milliseconds(5000);
  return options;
}

}  // namespace

JobLoop::JobLoop(const WorkerConfig& config, std::string consumer, queue::JobHandler handler,
                 WorkerMetrics& metrics, StopToken& stop, LeaseKeeper& lease_keeper)
    : config_(config),
      consumer_(std::move(consumer)),
      handler_(std::move(handler)),
      metrics_(metrics),
      stop_(stop),
      lease_keeper_(lease_keeper),
      policy_(config.retry_policy()),
      client_(redis_options(config)),
      queue_(client_, queue::KeySchema(config.prefix)),
      reclaimer_(queue_, consumer_, policy_, config.lease, metrics) {}

void JobLoop::run() {
  while (!stop_.requested()) {
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
        // Delivered while shutting down: hand it to another worker instead of starting it.
        lease_keeper_.hold(*job);
        lease_keeper_.release();
        break;
      }
      process(*job);
    } catch (const redis::ConnectionError& e) {
      backoff_after_failure("redis_unavailable", e.what());
    } catch (const queue::QueueError& e) {
      group_ready_ = false;  // e.g. the stream or group was deleted: recreate before reading
      backoff_after_failure("queue_error", e.what());
    }
  }
  obs::log_info("job_loop_stopped").field("consumer", consumer_);
}

std::optional<queue::Job> JobLoop::next_job() {
  if (auto job = reclaimer_.next()) return job;
  auto delivery = queue_.read(consumer_, config_.block);
  if (!delivery) return std::nullopt;
  return queue_.start(*delivery, consumer_);
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

queue::JobOutcome JobLoop::run_handler(const queue::Job& job, queue::JobContext& ctx) {
  try {
    return handler_(job, ctx);
  } catch (const std::exception& e) {
    return queue::JobOutcome::retry(std::string("handler threw: ") + e.what());
  } catch (...) {
    return queue::JobOutcome::retry("handler threw a non-standard exception");
  }
}

void JobLoop::process(const queue::Job& job) {
  lease_keeper_.hold(job);
  struct DropLease {  // whatever happens below, stop renewing once this run is over
    LeaseKeeper& keeper;
    ~DropLease() { keeper.drop(); }
  } drop_lease{lease_keeper_};
  queue::JobContext ctx(
      [this] { return stop_.requested() || lease_keeper_.lost(); },
      [this](std::string_view stage, std::chrono::nanoseconds d) { metrics_.stage(stage, d); });
  const auto started = Clock::now();
  const queue::JobOutcome outcome = run_handler(job, ctx);
  const auto duration = Clock::now() - started;
  const queue::Decision decision = policy_.decide(job, outcome, rng_);
  const Written written = write_outcome(job, outcome, decision);

  const char* label = "lease_lost";
  if (written == Written::yes) {
    switch (decision.kind) {
      case queue::Decision::Kind::complete:
        label = "done";
        break;
      case queue::Decision::Kind::retry:
        label = "retry";
        break;
      case queue::Decision::Kind::bury:
        label = "dead";
        metrics_.dead_letter(decision.reason);
        break;
    }
  }
  metrics_.job_finished(label, job.attempt + 1, duration);

  OutcomeLog log;
  log.warn = written == Written::yes && decision.kind != queue::Decision::Kind::complete;
  log.job_id = job.id;
  log.outcome = label;
  log.attempt = job.attempt + 1;
  log.deliveries = job.deliveries;
  log.item_id = job.item_id;
  log.target = job.target;
  log.tiles = outcome.tiles;
  log.duration = duration;
  log.stages = ctx.stages();
  log.error = outcome.error;
  if (decision.kind == queue::Decision::Kind::retry) log.retry_in = decision.delay;
  if (decision.kind == queue::Decision::Kind::bury) log.reason = decision.reason;
  log_job_outcome(log);
}

JobLoop::Written JobLoop::write_outcome(const queue::Job& job, const queue::JobOutcome& outcome,
                                        const queue::Decision& decision) {
  int failures = 0;
  for (;;) {
    if (lease_keeper_.lost()) return Written::lease_lost;
    try {
      bool ok = false;
      switch (decision.kind) {
        case queue::Decision::Kind::complete:
          ok = queue_.complete(job, consumer_, outcome.tiles, config_.done_ttl, outcome.note,
                               outcome.counts);
          break;
        case queue::Decision::Kind::retry:
          ok = queue_.schedule_retry(job, consumer_, decision.delay, outcome.error).has_value();
          break;
        case queue::Decision::Kind::bury:
          ok = queue_.bury(job, consumer_, decision.reason, outcome.error).has_value();
          break;
      }
      // Not owned after a failed try may mean that try went through before the connection
      // broke; either way the job has left our hands.
      return ok || failures > 0 ? Written::yes : Written::lease_lost;
    } catch (const redis::ConnectionError& e) {
      // Keep the outcome and keep trying: the lease keeper keeps the lease meanwhile, and a
      // shutdown's grace deadline is the only thing that ends this (the job then stays
      // pending and runs again elsewhere).
      metrics_.redis_error();
      const auto delay =
          retry::backoff_delay(redis::kUnreachableBackoff, failures++, milliseconds(50), rng_);
      obs::log_warn("outcome_write_failed")
          .field("job_id", job.id)
          .field("error", e.what())
          .field("retry_in_ms", static_cast<std::int64_t>(delay.count()));
      std::this_thread::sleep_for(delay);
    }
  }
}

}  // namespace patchq::worker
