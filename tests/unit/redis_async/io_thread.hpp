// IoThread: an io_context run by one background thread for the length of a test, and a
// blocking call() that waits for one AsyncClient reply (with a deadline, never forever).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "common/redis/async_client.hpp"

namespace patchq::redis::test {

class IoThread {
 public:
  IoThread() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }
  boost::asio::any_io_executor strand() { return boost::asio::make_strand(io_); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

inline AsyncReply call(AsyncClient& client, std::vector<std::string> args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto promise = std::make_shared<std::promise<AsyncReply>>();
  auto future = promise->get_future();
  client.command(std::move(args), [promise](AsyncReply r) { promise->set_value(std::move(r)); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    AsyncReply none;
    none.failure = "test: no callback within the deadline";
    return none;
  }
  return future.get();
}

// Stops the client and waits until its strand has run the stop.
inline void stop_and_wait(AsyncClient& client) {
  auto done = std::make_shared<std::promise<void>>();
  client.stop([done] { done->set_value(); });
  done->get_future().wait_for(std::chrono::seconds(5));
}

}  // namespace patchq::redis::test
