// RetryForwarder: due retries -> jobs stream (see retry_forwarder.hpp).
#include "services/worker/retry_forwarder.hpp"

#include <algorithm>

#include "common/obs/log.hpp"
#include "common/retry/backoff.hpp"

namespace patchq::worker {
namespace {

constexpr std::size_t kBatch = 100;

}  // namespace

RetryForwarder::RetryForwarder(redis::SyncClient::Options redis, queue::KeySchema keys,
                               std::chrono::milliseconds interval, StopToken& stop,
                               WorkerMetrics& metrics)
    : client_(std::move(redis)),
      queue_(client_, std::move(keys)),
      interval_(interval),
      stop_(stop),
      metrics_(metrics),
      thread_([this] { run(); }) {}

RetryForwarder::~RetryForwarder() {
  stop_.request();
  thread_.join();
}

std::chrono::milliseconds RetryForwarder::interval_for(std::chrono::milliseconds retry_base) {
  return std::clamp<std::chrono::milliseconds>(retry_base / 2, std::chrono::milliseconds(50),
                                               std::chrono::milliseconds(1000));
}

void RetryForwarder::run() {
  int failures = 0;
  std::chrono::milliseconds wait = interval_;
  while (!stop_.wait_for(wait)) {
    wait = interval_;
    try {
      std::size_t looked_at = 0;
      do {
        looked_at = queue_.forward_due_retries(kBatch);
        metrics_.retries_forwarded(looked_at);
      } while (looked_at == kBatch && !stop_.requested());
      failures = 0;
    } catch (const std::exception& e) {
      metrics_.redis_error();
      wait = retry::backoff_delay(redis::kUnreachableBackoff, failures++, interval_,
                                  retry::thread_rng());
      obs::log_warn("retry_forwarder_failed")
          .field("error", e.what())
          .field("retry_in_ms", static_cast<std::int64_t>(wait.count()));
    }
  }
}

}  // namespace patchq::worker
