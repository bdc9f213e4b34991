// run_worker_process: wiring of one worker process (see worker_process.hpp).
#include "services/worker/worker_process.hpp"

#include <atomic>
#include <memory>

#include "common/obs/log.hpp"
#include "common/queue/queue_stats.hpp"
#include "services/worker/consumer_name.hpp"
#include "services/worker/job_lanes.hpp"
#include "services/worker/job_loop.hpp"
#include "services/worker/metrics_endpoint.hpp"
#include "services/worker/retry_forwarder.hpp"
#include "services/worker/shutdown_watcher.hpp"
#include "services/worker/stop_token.hpp"
#include "services/worker/worker_flags.hpp"
#include "services/worker/worker_metrics.hpp"

namespace patchq::worker {
namespace {

using std::chrono::milliseconds;

// Connections of the side duties: short timeouts, so a hung Redis never stalls a renewal or
// a scrape for long.
redis::SyncClient::Options side_connection(const WorkerConfig& config, milliseconds timeout) {
  redis::SyncClient::Options options;
  options.endpoint = config.redis;
  options.connect_timeout = timeout;
  options.command_timeout = timeout;
  return options;
}

std::unique_ptr<MetricsEndpoint> start_metrics(const WorkerConfig& config, WorkerMetrics& metrics) {
  if (!config.metrics_address) return nullptr;
  const std::string& host = config.metrics_address->host;
  const int port = config.metrics_address->port + config.slot;
  // The scrape refreshes the queue gauges over its own connection (the endpoint's thread).
  auto client = std::make_shared<redis::SyncClient>(side_connection(config, milliseconds(1000)));
  const queue::KeySchema keys(config.prefix);
  auto render = [client, keys, &metrics] {
    try {
      metrics.queue_snapshot(queue::read_queue_stats(*client, keys));
      metrics.redis_up(true);
    } catch (const std::exception&) {
      metrics.redis_up(false);
    }
    return metrics.render();
  };
  auto endpoint = std::make_unique<MetricsEndpoint>(host, port, render);
  obs::log_info("metrics_listening").field("address", host + ":" + std::to_string(port));
  return endpoint;
}

}  // namespace

int run_worker_process(const WorkerConfig& config, const HandlerFactory& make_handler) {
  StopToken stop;
  std::atomic<JobLanes*> lanes_for_abandon{nullptr};
  // First: blocks SIGTERM/SIGINT for every thread started below.
  ShutdownWatcher watcher(stop, config.shutdown_grace, [&] {
    if (JobLanes* lanes = lanes_for_abandon.load()) lanes->release_leases();
  });

  const std::string consumer = consumer_name();
  const queue::KeySchema keys(config.prefix);
  WorkerMetrics metrics;
  queue::JobHandler handler;
  std::unique_ptr<MetricsEndpoint> endpoint;
  try {
    handler = make_handler(config);
    endpoint = start_metrics(config, metrics);
  } catch (const std::exception& e) {
    obs::log_error("worker_start_failed").field("error", e.what());
    return 1;
  }
  obs::log_info("worker_started")
      .field("consumer", consumer)
      .field("slot", config.slot)
      .field("redis", config.redis.describe())
      .field("prefix", config.prefix)
      .field("lease_ms", static_cast<std::int64_t>(config.lease.count()))
      .field("jobs_in_flight", config.jobs_in_flight);

  JobLanes lanes(config, consumer, std::move(handler), metrics, stop);
  lanes_for_abandon = &lanes;
  {
    RetryForwarder forwarder(side_connection(config, milliseconds(2000)), keys,
                             RetryForwarder::interval_for(config.retry_base), stop, metrics);
    JobLoop loop(config, consumer, lanes, metrics, stop);
    loop.run();
    lanes.finish();  // the jobs in flight run to their outcomes (or the grace ends them)
  }
  watcher.drained();
  lanes_for_abandon = nullptr;
  obs::log_info("worker_drained").field("consumer", consumer);
  return 0;
}

}  // namespace patchq::worker
