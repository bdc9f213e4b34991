// MetricsEndpoint: routes and server setup (see metrics_endpoint.hpp).
#include "services/worker/metrics_endpoint.hpp"

#include "common/http/server.hpp"
#include "common/http/target.hpp"
#include "services/worker/readiness.hpp"

namespace patchq::worker {

namespace bhttp = boost::beast::http;

http::Handler metrics_routes(std::function<std::string()> render) {
  return [render = std::move(render)](http::Request&& req, http::Responder respond) {
    const auto target = http::parse_target(std::string(req.target()));
    if (req.method() != bhttp::verb::get) {
      respond(
          http::make_response(req, bhttp::status::method_not_allowed, "use GET\n", "text/plain"));
    } else if (target && target->path == "/metrics") {
      respond(http::make_response(req, bhttp::status::ok, render(),
                                  "text/plain; version=0.0.4; charset=utf-8"));
    } else if (target && target->path == "/healthz") {
      respond(http::make_response(req, bhttp::status::ok, "ok\n", "text/plain"));
    } else if (target && target->path == "/readyz") {
      const auto reasons = not_ready_reasons();
      if (reasons.empty()) {
        respond(http::make_response(req, bhttp::status::ok, "ready\n", "text/plain"));
      } else {
        std::string body = "not ready\n";
        for (const auto& reason : reasons) body += reason + "\n";
        respond(http::make_response(req, bhttp::status::service_unavailable, std::move(body),
                                    "text/plain; charset=utf-8"));
      }
    } else {
      respond(http::make_response(req, bhttp::status::not_found, "not found\n", "text/plain"));
    }
  };
}

MetricsEndpoint::MetricsEndpoint(const std::string& host, int port,
                                 std::function<std::string()> render) {
  http::ServerOptions options;
  options.address = host;
  options.port = static_cast<unsigned short>(port);
  options.threads = 1;
  options.max_body_bytes = 1024;
  options.header_timeout = std::chrono::seconds(5);
  options.body_timeout = std::chrono::seconds(5);
  options.idle_timeout = std::chrono::seconds(30);
  options.max_connections = 64;
  options.server_name = "patchq-worker";
  server_ = std::make_unique<http::HttpServer>(options, metrics_routes(std::move(render)));
  server_->start();
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->shutdown(std::chrono::milliseconds(500));
}

int MetricsEndpoint::port() const {
  return server_->port();
}

}  // namespace patchq::worker
