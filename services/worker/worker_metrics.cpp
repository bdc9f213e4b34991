// WorkerMetrics: names, help texts and buckets of the worker's series (see docs/QUEUE.md).
#include "services/worker/worker_metrics.hpp"

#include <string>

namespace patchq::worker {
namespace {

std::vector<double> attempt_buckets() {
  return {1, 2, 3, 4, 5, 6, 8, 10, 15, 20};
}

}  // namespace

WorkerMetrics::WorkerMetrics()
    : attempts_(registry_.histogram("patchq_worker_job_attempt",
                                    "Attempt number (1 = first) at which jobs ended a run",
                                    attempt_buckets())),
      job_seconds_(registry_.histogram("patchq_worker_job_duration_seconds",
                                       "Wall time of one run of the job handler",
                                       obs::latency_buckets_seconds())),
      reclaims_(registry_.counter("patchq_worker_reclaims_total",
                                  "Jobs taken over from a worker whose lease expired")),
      forwarded_(registry_.counter("patchq_worker_retries_forwarded_total",
                                   "Due retries moved back to the jobs stream by this worker")),
      redis_errors_(registry_.counter("patchq_worker_redis_errors_total",
                                      "Redis calls that failed because Redis was unreachable")),
      redis_up_(registry_.gauge("patchq_worker_redis_up",
                                "1 when the last scrape could read the queue from Redis")),
      lanes_(registry_.gauge("patchq_worker_job_lanes",
                             "Jobs this process may run at once (--jobs-in-flight)")),
      in_flight_(
          registry_.gauge("patchq_worker_jobs_in_flight", "Jobs this process is running now")),
      queued_(registry_.gauge("patchq_queue_depth", "Jobs in the stream not yet delivered")),
      pending_(registry_.gauge("patchq_queue_pending", "Jobs delivered without an outcome yet")),
      lag_(registry_.gauge("patchq_queue_lag_seconds",
                           "Age of the oldest job not yet delivered to a worker")),
      retrying_(registry_.gauge("patchq_queue_retry_size", "Jobs waiting in the retry set")),
      dead_(registry_.gauge("patchq_queue_dead_size", "Dead letters")),
      consumers_(registry_.gauge("patchq_queue_consumers", "Consumers in the worker group")) {
  // Series that exist from the start, so rate() works before the first event.
  for (const char* outcome : {"done", "retry", "dead", "lease_lost"}) {
    registry_.counter("patchq_worker_jobs_total", "Job runs by outcome", {{"outcome", outcome}});
  }
  for (const char* result : {"ok", "lost", "error"}) {
    registry_.counter("patchq_worker_lease_renewals_total", "Lease renewals by result",
                      {{"result", result}});
  }
}

void WorkerMetrics::job_finished(std::string_view outcome, int attempt,
                                 std::chrono::nanoseconds duration) {
  registry_
      .counter("patchq_worker_jobs_total", "Job runs by outcome",
               {{"outcome", std::string(outcome)}})
      .inc();
  attempts_.observe(attempt);
  job_seconds_.observe(std::chrono::duration<double>(duration).count());
}

void WorkerMetrics::dead_letter(std::string_view reason) {
  registry_
      .counter("patchq_worker_dead_letters_total", "Jobs this worker sent to the dead letters",
               {{"reason", std::string(reason)}})
      .inc();
}

void WorkerMetrics::stage(std::string_view name, std::chrono::nanoseconds duration) {
  registry_
      .histogram("patchq_worker_stage_duration_seconds",
                 "Time per job stage (fetch, decode, tile, encode, upload)",
                 obs::latency_buckets_seconds(), {{"stage", std::string(name)}})
      .observe(std::chrono::duration<double>(duration).count());
}

void WorkerMetrics::lease_renewal(std::string_view result) {
  registry_
      .counter("patchq_worker_lease_renewals_total", "Lease renewals by result",
               {{"result", std::string(result)}})
      .inc();
}

void WorkerMetrics::queue_snapshot(const queue::QueueStats& s) {
  queued_.set(static_cast<double>(s.queued));
  pending_.set(static_cast<double>(s.pending));
  lag_.set(static_cast<double>(s.lag_ms) / 1000.0);
  retrying_.set(static_cast<double>(s.retrying));
  dead_.set(static_cast<double>(s.dead));
  consumers_.set(static_cast<double>(s.consumers));
}

}  // namespace patchq::worker
