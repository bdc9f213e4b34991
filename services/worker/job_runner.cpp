// JobRunner: lease -> handler -> outcome (see job_runner.hpp).
#include "services/worker/job_runner.hpp"

#include <algorithm>
#include <thread>

#include "common/obs/log.hpp"
#include "common/retry/backoff.hpp"
#include "services/worker/outcome_log.hpp"

namespace patchq::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

redis::SyncClient::Options outcome_connection(const WorkerConfig& config) {
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  options.connect_timeout = milliseconds(2000);
  options.command_timeout = milliseconds(5000);
  return options;
}

// Renewals get short timeouts, so a hung Redis never stalls one for long.
redis::SyncClient::Options renewal_connection(const WorkerConfig& config) {
  const milliseconds timeout =
      std::clamp(config.lease_renew_period(), milliseconds(200), milliseconds(5000));
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  options.connect_timeout = timeout;
  options.command_timeout = timeout;
  return options;
}

}  // namespace

JobRunner::JobRunner(const WorkerConfig& config, std::string consumer,
                     const queue::JobHandler& handler, WorkerMetrics& metrics, StopToken& stop)
    : config_(config),
      consumer_(std::move(consumer)),
      handler_(handler),
      metrics_(metrics),
      stop_(stop),
      policy_(config.retry_policy()),
      client_(outcome_connection(config)),
      queue_(client_, queue::KeySchema(config.prefix)),
      lease_keeper_(renewal_connection(config), queue::KeySchema(config.prefix), consumer_,
                    config.lease_renew_period(), metrics) {}

queue::JobOutcome JobRunner::run_handler(const queue::Job& job, queue::JobContext& ctx) {
  try {
    return handler_(job, ctx);
  } catch (const std::exception& e) {
    return queue::JobOutcome::retry(std::string("handler threw: ") + e.what());
  } catch (...) {
    return queue::JobOutcome::retry("handler threw a non-standard exception");
  }
}

void JobRunner::run(const queue::Job& job) {
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

JobRunner::Written JobRunner::write_outcome(const queue::Job& job, const queue::JobOutcome& outcome,
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
      wait_before_rewrite(job, e.what(), failures++);
    } catch (const queue::QueueError& e) {
      // Redis answered with an error (a full Redis refuses writes with OOM): the same, until
      // it takes the write or the lease is gone.
      wait_before_rewrite(job, e.what(), failures++);
    }
  }
}

void JobRunner::wait_before_rewrite(const queue::Job& job, const char* error, int failures) {
  metrics_.redis_error();
  const auto delay =
      retry::backoff_delay(redis::kUnreachableBackoff, failures, milliseconds(50), rng_);
  obs::log_warn("outcome_write_failed")
      .field("job_id", job.id)
      .field("error", error)
      .field("retry_in_ms", static_cast<std::int64_t>(delay.count()));
  std::this_thread::sleep_for(delay);
}

}  // namespace patchq::worker
