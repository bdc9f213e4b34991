// MetricsEndpoint: the worker's Prometheus endpoint on the shared HTTP server (common/http):
// GET /metrics (text format 0.0.4), GET /healthz (the process answers) and GET /readyz (200
// "ready", or 503 with the reasons of services/worker/readiness.hpp, e.g. storage unreachable
// at start); 404 for other paths, 405 for other methods. One loop thread; a scrape renders on it
// (the render function may read Redis with a short timeout). Requests carry no body worth reading:
// bodies are capped at 1 KiB.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/http/message.hpp"

namespace patchq::http {
class HttpServer;
}

namespace patchq::worker {

// The endpoint's routes as a plain function of the request (no sockets).
http::Handler metrics_routes(std::function<std::string()> render);

class MetricsEndpoint {
 public:
  // Binds now (throws std::runtime_error naming the address and the reason) and serves until
  // destroyed. `render` is called per scrape, on the server's thread.
  MetricsEndpoint(const std::string& host, int port, std::function<std::string()> render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const;

 private:
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace patchq::worker
