// WorkerConfig: everything a worker process is told at start (flags and PATCHQ_* environment,
// see worker_flags.hpp), and the one handle a job handler gets to its settings.
// Invariant once worker_flags' finish_worker_config() accepted it: redis is parsed from
// redis_url, metrics_address from metrics_listen, every duration is positive, lease renewals fit in
// the lease (period lease/3).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/http/listen_address.hpp"
#include "common/queue/job.hpp"
#include "common/queue/retry_policy.hpp"
#include "common/redis/redis_url.hpp"

namespace patchq::worker {

struct WorkerConfig {
  std::string redis_url = "redis://127.0.0.1:6379/0";
  redis::RedisEndpoint redis;  // parsed from redis_url
  std::string prefix = "patchq:";
  std::int64_t processes = 1;  // the flag's default is the number of cores
  std::chrono::milliseconds lease{60000};
  std::int64_t max_attempts = 8;
  std::int64_t max_deliveries = 5;
  std::chrono::milliseconds retry_base{2000};
  std::chrono::milliseconds retry_cap{600000};
  std::chrono::milliseconds shutdown_grace{30000};
  std::chrono::milliseconds block{2000};  // XREADGROUP BLOCK: how long an idle read waits
  std::string metrics_listen;             // "host:port"; empty: no endpoint
  std::optional<http::ListenAddress> metrics_address;  // parsed from metrics_listen, port > 0
  // Jobs one process runs at once (job_lanes.hpp); 0 until worker_main settles it: the flag's
  // 0 means the program's default for its handler (WorkerProgram::default_jobs_in_flight).
  std::int64_t jobs_in_flight = 0;
  std::int64_t upload_concurrency = 8;  // for the handler: tile uploads in flight per job
  std::chrono::milliseconds done_ttl{std::chrono::hours(24 * 7)};
  std::string log_level = "info";
  int slot = 0;  // which of the supervisor's processes this is (0-based); metrics port + slot

  queue::RetryPolicy retry_policy() const {
    return {
        static_cast<int>(max_attempts), static_cast<int>(max_deliveries), {retry_base, retry_cap}};
  }
  std::chrono::milliseconds lease_renew_period() const { return lease / 3; }
};

// Builds the job handler inside each worker process (after fork), so handler state such as
// HTTP connection pools and thread pools is never shared across processes.
using HandlerFactory = std::function<queue::JobHandler(const WorkerConfig&)>;

}  // namespace patchq::worker
