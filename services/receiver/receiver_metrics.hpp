// ReceiverMetrics: the receiver's Prometheus series, created once and updated lock-free on the
// hot path (the registry's lock is taken only the first time a (route, status) pair is seen,
// and when /metrics renders).
//
//   patchq_receiver_requests_total{route,status}   answered requests, including the HTTP
//                                                  layer's own 400/413/431 answers
//   patchq_receiver_enqueue_seconds                 script sent -> Redis reply (histogram)
//   patchq_receiver_in_flight                       webhooks waiting for Redis
//   patchq_receiver_redis_reconnects_total          connections re-established after a loss
//   patchq_receiver_dedup_hits_total                repeated deliveries answered from dedup
//   patchq_receiver_skipped_total                   items patchq cannot cut, recorded as skipped
//   patchq_receiver_rejected_total{reason}          webhooks not enqueued, by reason; the HTTP
//                                                  layer's refusals too (body_too_large,
//                                                  header_too_large, malformed_request,
//                                                  client_timeout: cut mid-request)
//   patchq_receiver_redis_ready                     1 while every Redis connection is ready
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <string_view>

#include "common/http/message.hpp"
#include "common/obs/metrics.hpp"

namespace patchq::receiver {

enum class Route { root, healthz, readyz, metrics, webhook, status, admin_api, other, count_ };
std::string_view route_name(Route route);

enum class Rejection {
  unauthorized,
  bad_signature,
  unsupported_media_type,
  invalid_target,
  invalid_payload,
  queue_full,
  redis_unavailable,
  redis_refused,
  receiver_busy,
  count_
};
std::string_view rejection_name(Rejection reason);

class ReceiverMetrics {
 public:
  ReceiverMetrics();

  void count_request(Route route, unsigned status);
  void count_rejection(Rejection reason) { rejected_[static_cast<int>(reason)]->inc(); }
  // A request the HTTP layer refused before routing; `route` from its target when known.
  void count_refusal(Route route, const http::Refusal& refusal);
  void count_dedup_hit() { dedup_hits_->inc(); }
  void count_skipped() { skipped_->inc(); }
  void observe_enqueue_seconds(double seconds) { enqueue_seconds_->observe(seconds); }
  void webhook_started() { in_flight_->add(1); }
  void webhook_finished() { in_flight_->add(-1); }
  obs::Counter& redis_reconnects() { return *redis_reconnects_; }
  void set_redis_ready_probe(std::function<bool()> ready);

  std::string render() const { return registry_.render(); }
  obs::Registry& registry() { return registry_; }

 private:
  // Statuses the routes answer with; anything else shares the "other" slot (still labelled
  // with its real code).
  static constexpr std::array<unsigned, 11> kStatuses = {200, 202, 400, 401, 404, 405,
                                                         413, 415, 500, 503, 0};
  static int status_slot(unsigned status);

  obs::Registry registry_;
  std::array<std::array<std::atomic<obs::Counter*>, kStatuses.size()>,
             static_cast<int>(Route::count_)>
      requests_{};
  std::array<obs::Counter*, static_cast<int>(Rejection::count_)> rejected_{};
  std::array<obs::Counter*, http::kRefusalReasons> refused_{};  // by http::Refusal::Reason
  obs::Counter* dedup_hits_;
  obs::Counter* skipped_;
  obs::Counter* redis_reconnects_;
  obs::Histogram* enqueue_seconds_;
  obs::Gauge* in_flight_;
};

}  // namespace patchq::receiver
