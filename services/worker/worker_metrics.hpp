// WorkerMetrics: the Prometheus series of one worker process, looked up once so hot paths
// only touch atomics. Queue-wide gauges (depth, lag, retry and dead sizes) are refreshed from
// Redis when scraped (see worker_process.cpp), so every worker reports the same queue.
#pragma once

#include <chrono>
#include <string_view>

#include "common/obs/metrics.hpp"
#include "common/queue/queue_stats.hpp"

namespace patchq::worker {

class WorkerMetrics {
 public:
  WorkerMetrics();

  // outcome: done | retry | dead | lease_lost
  void job_finished(std::string_view outcome, int attempt, std::chrono::nanoseconds duration);
  void dead_letter(std::string_view reason);
  void stage(std::string_view name, std::chrono::nanoseconds duration);
  void lease_renewal(std::string_view result);  // ok | lost | error
  void reclaimed() { reclaims_.inc(); }
  void retries_forwarded(std::uint64_t n) { forwarded_.inc(n); }
  void redis_error() { redis_errors_.inc(); }
  void queue_snapshot(const queue::QueueStats& stats);
  void redis_up(bool up) { redis_up_.set(up ? 1 : 0); }
  void job_lanes(std::int64_t n) { lanes_.set(static_cast<double>(n)); }
  void jobs_in_flight(std::int64_t n) { in_flight_.set(static_cast<double>(n)); }

  // This process's series, then those its libraries registered (obs::process_registry).
  std::string render() const { return registry_.render() + obs::process_registry().render(); }
  obs::Registry& registry() { return registry_; }

 private:
  obs::Registry registry_;
  obs::Histogram& attempts_;
  obs::Histogram& job_seconds_;
  obs::Counter& reclaims_;
  obs::Counter& forwarded_;
  obs::Counter& redis_errors_;
  obs::Gauge& redis_up_;
  obs::Gauge& lanes_;
  obs::Gauge& in_flight_;
  obs::Gauge& queued_;
  obs::Gauge& pending_;
  obs::Gauge& lag_;
  obs::Gauge& retrying_;
  obs::Gauge& dead_;
  obs::Gauge& consumers_;
};

}  // namespace patchq::worker
