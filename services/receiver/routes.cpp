// Routes (see routes.hpp).
#include "services/receiver/routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "common/http/target.hpp"

namespace patchq::receiver {
namespace {

namespace bhttp = boost::beast::http;

Route route_of(std::string_view path) {
  if (path == "/") return Route::root;
  if (path == "/healthz") return Route::healthz;
  if (path == "/readyz") return Route::readyz;
  if (path == "/metrics") return Route::metrics;
  if (path == "/webhook") return Route::webhook;
  if (is_status_api_path(path)) return Route::admin_api;
  if (is_status_path(path)) return Route::status;
  return Route::other;
}

}  // namespace

Route route_of_target(std::string_view target) {
  const auto parsed = http::parse_target(target);
  return parsed ? route_of(parsed->path) : Route::other;
}

Routes::Routes(WebhookRoute& webhook, ReceiverMetrics& metrics, std::function<bool()> redis_ready,
               StatusRoute* status)
    : webhook_(webhook), metrics_(metrics), redis_ready_(std::move(redis_ready)), status_(status) {}

void Routes::handle(http::Request&& request, http::Responder respond) {
  const auto target = http::parse_target(request.target());
  const Route route = target ? route_of(target->path) : Route::other;
  http::Responder counted = [this, route, respond = std::move(respond)](http::Response res) {
    metrics_.count_request(route, res.result_int());
    respond(std::move(res));
  };
  if (!target) {
    counted(http::json_error(request, bhttp::status::bad_request, "malformed request target"));
    return;
  }
  const bhttp::verb method = request.method();
  const bhttp::verb wanted = route == Route::webhook ? bhttp::verb::post : bhttp::verb::get;
  if (route == Route::other ||
      ((route == Route::status || route == Route::admin_api) && status_ == nullptr)) {
    counted(http::json_error(request, bhttp::status::not_found, "no such route"));
    return;
  }
  if (route == Route::status || route == Route::admin_api) {
    status_->handle(std::move(request), target->path, std::move(counted));
    return;
  }
  if (method != wanted) {
    auto res = http::json_error(request, bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, route == Route::webhook ? "POST" : "GET");
    counted(std::move(res));
    return;
  }
  switch (route) {
    case Route::root:
      counted(http::make_response(request, bhttp::status::ok, std::string(kRootText),
                                  "text/plain; charset=utf-8"));
      return;
    case Route::healthz:
      counted(http::make_response(request, bhttp::status::ok, R"({"status":"ok"})"));
      return;
    case Route::readyz:
      if (redis_ready_()) {
        counted(http::make_response(request, bhttp::status::ok, R"({"status":"ready"})"));
      } else {
        counted(http::make_response(request, bhttp::status::service_unavailable,
                                    R"({"status":"not ready","reason":"redis is unreachable"})"));
      }
      return;
    case Route::metrics:
      counted(http::make_response(request, bhttp::status::ok, metrics_.render(),
                                  "text/plain; version=0.0.4; charset=utf-8"));
      return;
    case Route::webhook:
      webhook_.handle(std::move(request), target->query, std::move(counted));
      return;
    default:
      return;
  }
}

}  // namespace patchq::receiver
