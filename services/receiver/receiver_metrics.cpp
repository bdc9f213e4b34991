// ReceiverMetrics (see receiver_metrics.hpp).
#include "services/receiver/receiver_metrics.hpp"

#include <string>

namespace patchq::receiver {

std::string_view route_name(Route route) {
  switch (route) {
    case Route::root:
      return "/";
    case Route::healthz:
      return "/healthz";
    case Route::readyz:
      return "/readyz";
    case Route::metrics:
      return "/metrics";
    case Route::webhook:
      return "/webhook";
    case Route::status:
      return "/status";
    case Route::admin_api:
      return "/api";
    default:
      return "other";
  }
}

std::string_view rejection_name(Rejection reason) {
  switch (reason) {
    case Rejection::unauthorized:
      return "unauthorized";
    case Rejection::bad_signature:
      return "bad_signature";
    case Rejection::unsupported_media_type:
      return "unsupported_media_type";
    case Rejection::invalid_target:
      return "invalid_target";
    case Rejection::invalid_payload:
      return "invalid_payload";
    case Rejection::queue_full:
      return "queue_full";
    case Rejection::redis_unavailable:
      return "redis_unavailable";
    case Rejection::redis_refused:
      return "redis_refused";
    case Rejection::receiver_busy:
      return "receiver_busy";
    default:
      return "other";
  }
}

ReceiverMetrics::ReceiverMetrics() {
  for (int i = 0; i < static_cast<int>(Rejection::count_); ++i) {
    rejected_[i] =
        &registry_.counter("patchq_receiver_rejected_total", "Webhooks not enqueued, by reason.",
                           {{"reason", std::string(rejection_name(static_cast<Rejection>(i)))}});
  }
  for (int i = 0; i < static_cast<int>(refused_.size()); ++i) {
    const auto reason = static_cast<http::Refusal::Reason>(i);
    refused_[i] =
        &registry_.counter("patchq_receiver_rejected_total", "Webhooks not enqueued, by reason.",
                           {{"reason", std::string(http::refusal_name(reason))}});
  }
  dedup_hits_ = &registry_.counter("patchq_receiver_dedup_hits_total",
                                   "Repeated deliveries answered with their original job.");
  skipped_ = &registry_.counter("patchq_receiver_skipped_total",
                                "Deliveries recorded as skipped: items patchq cannot cut.");
  redis_reconnects_ = &registry_.counter("patchq_receiver_redis_reconnects_total",
                                         "Redis connections re-established after a loss.");
  enqueue_seconds_ = &registry_.histogram("patchq_receiver_enqueue_seconds",
                                          "Time from sending a job to Redis to its reply.",
                                          obs::latency_buckets_seconds());
  in_flight_ = &registry_.gauge("patchq_receiver_in_flight", "Webhooks waiting for Redis.");
}

int ReceiverMetrics::status_slot(unsigned status) {
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return static_cast<int>(i);
  }
  return -1;
}

void ReceiverMetrics::count_request(Route route, unsigned status) {
  const auto series = [&]() -> obs::Counter& {
    return registry_.counter(
        "patchq_receiver_requests_total", "Answered HTTP requests by route and status.",
        {{"route", std::string(route_name(route))}, {"status", std::to_string(status)}});
  };
  const int slot = status_slot(status);
  if (slot < 0) {  // rare codes: through the registry each time
    series().inc();
    return;
  }
  auto& cell = requests_[static_cast<int>(route)][slot];
  obs::Counter* counter = cell.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &series();  // the registry hands every caller the same series
    cell.store(counter, std::memory_order_release);
  }
  counter->inc();
}

void ReceiverMetrics::count_refusal(Route route, const http::Refusal& refusal) {
  if (refusal.status != 0) count_request(route, refusal.status);
  refused_[static_cast<int>(refusal.reason)]->inc();
}

void ReceiverMetrics::set_redis_ready_probe(std::function<bool()> ready) {
  registry_.gauge_callback("patchq_receiver_redis_ready",
                           "1 while every Redis connection of the receiver is ready.",
                           [ready = std::move(ready)] { return ready() ? 1.0 : 0.0; });
}

}  // namespace patchq::receiver
