// HttpServer: patchq's HTTP/1.1 server (Boost.Beast), the plumbing under the receiver, the V7
// stand-in and metrics endpoints. It knows nothing about V7 or Redis: a Handler turns a
// Request into a Response, answering through a Responder from any thread, now or later.
// Behaviour: keep-alive and pipelining (answered in order); 413 for an oversize
// Content-Length before any body byte is read, and for a body that grows past the limit;
// 400 for malformed requests, 431 for oversize headers; header/body/idle timeouts close the
// connection; "Expect: 100-continue" is answered; every response gets version, keep-alive,
// Server and Content-Length. Connection errors are logged at debug level only.
// Threads: one event loop (io_context) per thread, each running alone on its thread; every
// connection is placed on one loop at accept and stays there, so a request's handlers, the
// Redis connection of its loop and its answer never cross threads or contend for a lock (a
// shared io_context run by N threads cost ~1.8x the CPU per request, see docs/RECEIVER.md).
// Lifecycle: construct (binds) -> start()/run() -> shutdown(grace) -> destroy.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/http/message.hpp"
#include "common/http/server_options.hpp"
#include "common/http/target.hpp"

namespace patchq::http {

class Listener;
struct SessionSettings;

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error with the address and the reason on failure.
  // `on_refusal` (may be empty) hears of every request the server refuses by itself.
  HttpServer(ServerOptions options, Handler handler, RefusalObserver on_refusal = {});
  ~HttpServer();  // shuts down (no grace) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;  // the bound port
  void start();                 // starts one thread per loop; returns at once
  void run();                   // start() + block until shut down
  // Graceful: stop accepting now; in-flight requests still get their real answer; idle
  // keep-alive connections are closed; returns when all connections are closed or `grace`
  // passed (then force-closes), with the loop threads stopped and joined.
  // Called from a loop thread (a signal handler or route on io_context()), it starts the same
  // work on a thread of its own and returns at once; run() returns when it is done.
  void shutdown(std::chrono::milliseconds grace);
  // The first loop, so services run timers and signals on a server thread.
  boost::asio::io_context& io_context();
  // Every loop (options.threads of them), for services that keep per-loop state such as one
  // Redis connection per loop. A loop is only run by its own thread.
  const std::vector<boost::asio::io_context*>& loops() const { return loop_pointers_; }
  std::size_t open_connections() const;

 private:
  void drain_and_stop(std::chrono::milliseconds grace);

  bool running_on_a_loop() const;

  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::io_context*> loop_pointers_;
  std::shared_ptr<SessionSettings> settings_;
  std::shared_ptr<Listener> listener_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::thread shutdown_thread_;

  std::mutex lifecycle_mu_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace patchq::http
