// HttpServer: owns the loops (io_contexts), their threads, the listener and the connection
// registry; see server.hpp for the lifecycle. Invariant: the threads are joined before the registry
// drops the sessions, and the sessions before the loops go away.
#include "common/http/server.hpp"

#include <exception>

#include "common/http/listener.hpp"
#include "common/http/session.hpp"
#include "common/obs/log.hpp"

namespace patchq::http {

HttpServer::HttpServer(ServerOptions options, Handler handler, RefusalObserver on_refusal) {
  if (options.threads < 1) options.threads = 1;
  for (int i = 0; i < options.threads; ++i) {
    // Concurrency hint 1: each loop is run by one thread, so Asio skips waking others.
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    loop_pointers_.push_back(loops_.back().get());
  }
  auto settings = std::make_shared<SessionSettings>();
  settings->options = std::move(options);
  settings->handler = std::move(handler);
  settings->on_refusal = std::move(on_refusal);
  settings->registry = std::make_shared<ConnectionRegistry>();
  settings_ = std::move(settings);
  listener_ = std::make_shared<Listener>(loop_pointers_, settings_);
}

HttpServer::~HttpServer() {
  shutdown(std::chrono::milliseconds(0));
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  settings_->registry->clear();
}

unsigned short HttpServer::port() const {
  return listener_->port();
}

boost::asio::io_context& HttpServer::io_context() {
  return *loops_.front();
}

bool HttpServer::running_on_a_loop() const {
  for (const auto& loop : loops_) {
    if (loop->get_executor().running_in_this_thread()) return true;
  }
  return false;
}

std::size_t HttpServer::open_connections() const {
  return settings_->registry->size();
}

void HttpServer::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (started_ || stopping_) return;
  started_ = true;
  for (auto& loop : loops_) work_.emplace_back(loop->get_executor());
  listener_->run();
  for (auto& loop_ptr : loops_) {
    threads_.emplace_back([loop = loop_ptr.get()] {
      for (;;) {
        try {
          loop->run();
          return;
        } catch (const std::exception& e) {  // a bug in a handler must not stop the server
          obs::log_error("http_loop_exception").field("what", e.what());
        }
      }
    });
  }
}

void HttpServer::run() {
  start();
  std::unique_lock lock(lifecycle_mu_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

void HttpServer::shutdown(std::chrono::milliseconds grace) {
  const bool on_loop_thread = running_on_a_loop();
  {
    std::unique_lock lock(lifecycle_mu_);
    if (stopping_) {
      // Someone else is shutting down: wait for them unless that would deadlock the loop.
      if (!on_loop_thread) stopped_cv_.wait(lock, [this] { return stopped_; });
      return;
    }
    stopping_ = true;
  }
  if (on_loop_thread) {
    shutdown_thread_ = std::thread([this, grace] { drain_and_stop(grace); });
    return;
  }
  drain_and_stop(grace);
}

void HttpServer::drain_and_stop(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto& registry = *settings_->registry;
  registry.refuse_new();
  listener_->stop();
  bool started;
  {
    std::lock_guard lock(lifecycle_mu_);
    started = started_;
  }
  if (started) {
    for (const auto& session : registry.snapshot()) session->begin_shutdown();
    if (!registry.wait_empty_until(deadline)) {
      obs::log_warn("http_shutdown_forced").field("open_connections", registry.size());
      for (const auto& session : registry.snapshot()) session->force_close();
      registry.wait_empty_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    work_.clear();
    for (auto& loop : loops_) loop->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }
  registry.clear();
  {
    std::lock_guard lock(lifecycle_mu_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
}

}  // namespace patchq::http
