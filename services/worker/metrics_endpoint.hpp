// MetricsEndpoint: a tiny HTTP/1.1 server for Prometheus: GET /metrics (text format 0.0.4) and
// GET /healthz. One thread, one connection at a time, "Connection: close".
// This is a stop-gap until the shared Beast server in common/http is committed; its interface
// (address, port, a render function) is all the worker uses, so swapping it is local to
// worker_process.cpp.
// Bounds: request head <= 8 KiB, 2 s to send it, 2 s to take the reply; other methods and
// paths get 405/404; the listening socket is bound to the address given (tests: 127.0.0.1).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace patchq::worker {

class MetricsEndpoint {
 public:
  // Binds now (throws std::runtime_error naming the address and the reason) and serves on a
  // thread until destroyed. `render` is called per scrape, on that thread.
  MetricsEndpoint(const std::string& host, int port, std::function<std::string()> render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  int port() const { return port_; }

 private:
  void serve();
  void answer(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  std::function<std::string()> render_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace patchq::worker
