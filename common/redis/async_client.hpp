// AsyncClient: one asynchronous hiredis connection driven by Asio, for the receiver's hot path.
// Commands from any thread are appended to the connection's output buffer on the client's
// strand; everything appended before the socket is next writable goes out in one write (group
// commit), and Redis answers them in order, so throughput comes from batching.
//
// Invariants:
//   - Every handler passed to command()/transaction() is called exactly once, on the client's
//   strand:
//     with the reply when it arrived, otherwise with a failure reason. A lost connection fails
//     exactly the commands whose replies had not arrived; replies that arrived are never
//     withheld or re-sent.
//   - Nothing is queued while Redis is unreachable: commands then fail at once (callers answer
//     503), so memory stays bounded during an outage.
//   - The client reconnects by itself with full-jitter backoff (common/retry) and is ready()
//     only after the connection's setup (AUTH, SELECT, CLIENT SETNAME)
//     succeeded. A connection with commands outstanding and no reply for reply_timeout, or a
//     connect that takes longer than connect_timeout, is dropped and re-dialled. Idle
//     connections are PINGed so ready() reflects a Redis that went away silently.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/redis/redis_url.hpp"
#include "common/redis/redis_value.hpp"
#include "common/retry/backoff.hpp"

namespace patchq::obs {
class Counter;
}

namespace patchq::redis {

// The outcome of one command: the reply (which may itself be a Redis error reply), or the
// reason no reply came.
struct AsyncReply {
  std::optional<RedisValue> value;
  std::string failure;  // set when !value
  bool delivered() const { return value.has_value(); }
};

using ReplyHandler = std::function<void(AsyncReply)>;

class AsyncClient : public std::enable_shared_from_this<AsyncClient> {
 public:
  struct Options {
    RedisEndpoint endpoint;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds reply_timeout{3000};
    std::chrono::milliseconds ping_interval{1000};
    retry::BackoffPolicy reconnect_backoff{std::chrono::milliseconds(50),
                                           std::chrono::milliseconds(2000)};
    std::string name;                    // for logs and CLIENT SETNAME; optional
    obs::Counter* reconnects = nullptr;  // counts connections re-established after a loss
  };

  // `executor` must be a strand (or an io_context run by one thread): all of the client's work
  // and every handler runs there.
  static std::shared_ptr<AsyncClient> create(boost::asio::any_io_executor executor,
                                             Options options);
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  // Starts connecting (asynchronously). Call once.
  void start();
  // Drops the connection (failing what is in flight), stops reconnecting and timers; `done`,
  // if given, runs on the strand afterwards. Safe from any thread; idempotent.
  void stop(std::function<void()> done = nullptr);

  // Thread-safe. `args` is moved onto the strand; hiredis copies it into its output buffer.
  void command(std::vector<std::string> args, ReplyHandler handler);
  // MULTI, `commands`, EXEC, back to back on the connection (nothing else in between).
  // `handler` gets EXEC's reply: an array with one reply per command, or an error reply
  // (EXECABORT when a command was refused while queueing); or the failure. Only EXEC's reply
  // is waited for; the "QUEUED" acknowledgements are read and dropped.
  void transaction(std::vector<std::vector<std::string>> commands, ReplyHandler handler);

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  friend class AsyncClientSteps;
  struct Impl;
  AsyncClient(boost::asio::any_io_executor executor, Options options);

  boost::asio::any_io_executor executor_;
  std::unique_ptr<Impl> impl_;  // touched on the strand only
  std::atomic<bool> ready_{false};
  std::atomic<std::uint64_t> reconnects_{0};
};

}  // namespace patchq::redis
