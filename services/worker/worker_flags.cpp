// Worker flags and their checks (see worker_flags.hpp).
#include "services/worker/worker_flags.hpp"

#include <charconv>
#include <thread>

#include "common/http/listen_address.hpp"
#include "common/obs/log.hpp"

namespace patchq::worker {

void add_worker_flags(config::FlagSet& flags, WorkerConfig& c) {
  c.processes = std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  flags
      .add_string("redis", &c.redis_url, "PATCHQ_REDIS_URL",
                  "Redis URL, redis://[:password@]host[:port][/db]", /*secret=*/false)
      .add_string("prefix", &c.prefix, "PATCHQ_PREFIX", "Prefix of every Redis key")
      .add_int("processes", &c.processes, "PATCHQ_PROCESSES",
               "Worker processes; 1 runs the worker in this process (no supervisor)", 1, 1024)
      .add_duration("lease", &c.lease, "PATCHQ_LEASE",
                    "A job idle this long in the pending list is taken by another worker")
      .add_int("max-attempts", &c.max_attempts, "PATCHQ_MAX_ATTEMPTS",
               "Attempts before a retryable failure becomes a dead letter", 1, 1000)
      .add_int("max-deliveries", &c.max_deliveries, "PATCHQ_MAX_DELIVERIES",
               "Deliveries without an outcome before a job is dead-lettered as poison", 1, 1000)
      .add_duration("retry-base", &c.retry_base, "PATCHQ_RETRY_BASE",
                    "Backoff base: retry n waits up to min(cap, base * 2^n)")
      .add_duration("retry-cap", &c.retry_cap, "PATCHQ_RETRY_CAP", "Backoff ceiling")
      .add_duration("shutdown-grace", &c.shutdown_grace, "PATCHQ_SHUTDOWN_GRACE",
                    "On SIGTERM, time the running job gets to finish before it is left pending")
      .add_duration("block", &c.block, "PATCHQ_BLOCK",
                    "How long one read waits for a new job (XREADGROUP BLOCK)")
      .add_string("metrics-listen", &c.metrics_listen, "PATCHQ_METRICS_LISTEN",
                  "host:port for Prometheus /metrics (process n listens on port + n); empty: off")
      .add_int("jobs-in-flight", &c.jobs_in_flight, "PATCHQ_JOBS_IN_FLIGHT",
               "Jobs each worker process runs at once; 0: the mode's default (direct 8, "
               "storage modes 4, register 1). Each adds its download and tiles to a process's "
               "memory; decoded "
               "images share --decoded-bytes-budget (docs/OPERATIONS.md)",
               0, 64)
      .add_int("upload-concurrency", &c.upload_concurrency, "PATCHQ_UPLOAD_CONCURRENCY",
               "Tile uploads in flight per job (passed to the job handler)", 1, 256)
      .add_duration("done-ttl", &c.done_ttl, "PATCHQ_DONE_TTL",
                    "How long a done job's record stays readable")
      .add_choice("log-level", &c.log_level, "PATCHQ_LOG_LEVEL", "debug, info, warn or error",
                  obs::log_level_names());
}

Status finish_worker_config(WorkerConfig& c) {
  auto endpoint = redis::parse_redis_url(c.redis_url);
  if (!endpoint) return fail("--redis: " + endpoint.error().reason);
  c.redis = *endpoint;
  if (c.prefix.empty()) return fail("--prefix must not be empty");
  if (c.lease < std::chrono::milliseconds(30)) return fail("--lease must be at least 30ms");
  if (c.block < std::chrono::milliseconds(1)) return fail("--block must be at least 1ms");
  if (c.retry_base <= std::chrono::milliseconds(0)) return fail("--retry-base must be positive");
  if (c.retry_cap < c.retry_base) return fail("--retry-cap must not be below --retry-base");
  if (c.shutdown_grace < std::chrono::milliseconds(0)) return fail("--shutdown-grace is negative");
  if (c.done_ttl < std::chrono::seconds(1)) return fail("--done-ttl must be at least 1s");
  if (!c.metrics_listen.empty()) {
    auto address = http::parse_listen_address(c.metrics_listen);
    if (!address) return fail("--metrics-listen: " + address.error().reason);
    // Process n of a supervisor listens on port + n: "any free port" cannot work here.
    if (address->port == 0) return fail("--metrics-listen: port must be 1..65535, got '0'");
    if (address->port + c.processes - 1 > 65535) {
      return fail("--metrics-listen: port + processes exceeds 65535");
    }
    c.metrics_address = *address;
  }
  return ok_status();
}

}  // namespace patchq::worker
