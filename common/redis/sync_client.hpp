// SyncClient: one blocking hiredis connection with timeouts, for workers and tools.
// Reply errors come back as values (RedisValue::Kind::error); a connection that cannot be
// (re)established throws ConnectionError, which callers treat as "Redis is down: back off".
// A broken connection is dropped and re-dialled on the next call, never reused half-read.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/redis/redis_url.hpp"
#include "common/redis/redis_value.hpp"
#include "common/retry/backoff.hpp"

struct redisContext;

namespace patchq::redis {

class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How callers of a SyncClient space their retries while Redis is unreachable (ConnectionError):
// quick first retries, then at most every 10 s.
inline constexpr retry::BackoffPolicy kUnreachableBackoff{std::chrono::milliseconds(200),
                                                          std::chrono::milliseconds(10000)};

class SyncClient {
 public:
  struct Options {
    RedisEndpoint endpoint;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{5000};
  };
  explicit SyncClient(Options options);
  ~SyncClient();
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  // Runs one command. `timeout` overrides the command timeout (give blocking commands such as
  // XREADGROUP BLOCK their block time plus a margin). Throws ConnectionError when Redis is
  // unreachable or the connection broke mid-command; the command may or may not have run then.
  RedisValue command(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());
  // Sends all commands in one write and reads all replies (one round trip).
  std::vector<RedisValue> pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA, falling back to EVAL when the server does not have the script cached yet.
  RedisValue eval(const LuaScript& script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args);

  const RedisEndpoint& endpoint() const { return options_.endpoint; }
  void disconnect();

 private:
  void ensure_connected();
  void set_timeout(std::chrono::milliseconds timeout);
  Options options_;
  redisContext* context_ = nullptr;
};

}  // namespace patchq::redis
