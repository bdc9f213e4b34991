// Routes: the receiver's request handler (an http::Handler) — dispatch by path and method,
// and the small routes that need no Redis write:
//   GET /          200 text "patchq receiver is running" (the original's connectivity check)
//   GET /healthz   200 while the process serves
//   GET /readyz    200 only while every Redis connection is ready, else 503
//   GET /metrics   Prometheus text
//   POST /webhook  WebhookRoute
//   /status, /status/login, /status/logout, /api/...   StatusRoute (404 when no admin token)
// Anything else: 405 (with Allow) for a known path, 404 otherwise; 400 for a malformed target.
// Every answer is counted by route and status on its way out.
#pragma once

#include <functional>

#include "common/http/message.hpp"
#include "services/receiver/receiver_metrics.hpp"
#include "services/receiver/status_route.hpp"
#include "services/receiver/webhook_route.hpp"

namespace patchq::receiver {

inline constexpr std::string_view kRootText = "patchq receiver is running";

// The route a request target names (Route::other for unknown paths and bad targets).
Route route_of_target(std::string_view target);

class Routes {
 public:
  // `status` may be null: the admin routes are off (404).
  Routes(WebhookRoute& webhook, ReceiverMetrics& metrics, std::function<bool()> redis_ready,
         StatusRoute* status = nullptr);

  void handle(http::Request&& request, http::Responder respond);

 private:
  WebhookRoute& webhook_;
  ReceiverMetrics& metrics_;
  std::function<bool()> redis_ready_;
  StatusRoute* status_;
};

}  // namespace patchq::receiver
