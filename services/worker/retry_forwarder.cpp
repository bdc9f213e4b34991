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
    : Duty({"retry_forwarder", interval}),
      client_(std::move(redis)),
      queue_(client_, std::move(keys)),
      stop_(stop),
      metrics_(metrics) {
  start();
}

RetryForwarder::~RetryForwarder() {
  stop();
}

std::chrono::milliseconds RetryForwarder::interval_for(std::chrono::milliseconds retry_base) {
  return std::clamp<std::chrono::milliseconds>(retry_base / 2, std::chrono::milliseconds(50),
                                               std::chrono::milliseconds(1000));
}

std::chrono::milliseconds RetryForwarder::exec() {
  if (stop_.requested()) return interval();
  try {
    std::size_t looked_at = 0;
    do {
      looked_at = queue_.forward_due_retries(kBatch);
      metrics_.retries_forwarded(looked_at);
    } while (looked_at == kBatch && !stop_.requested());
    failures_ = 0;
    return interval();
  } catch (const std::exception& e) {
    metrics_.redis_error();
    const auto wait = retry::backoff_delay(redis::kUnreachableBackoff, failures_++, interval(),
                                           retry::thread_rng());
    obs::log_warn("retry_forwarder_failed")
        .field("error", e.what())
        .field("retry_in_ms", static_cast<std::int64_t>(wait.count()));
    return wait;
  }
}

}  // namespace patchq::worker
