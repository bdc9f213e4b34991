// RedisServer: a real redis-server for one test, on a free loopback port in a temporary
// directory, stopped (and its files removed) on destruction. Also a tiny synchronous client so
// tests can look at what patchq wrote.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/redis/sync_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {

using redis::RedisValue;

class RedisServer {
 public:
  struct Options {
    bool append_only = false;  // AOF with appendfsync always, for restart tests
  };
  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string url() const;  // redis://127.0.0.1:<port>/0

  void start();  // (re)starts on the same port and directory; waits until it answers PING
  void stop();   // SIGTERM, waits for exit (data persisted when AOF is on)
  void kill();   // SIGKILL, no goodbye
  bool running();

  // Runs one command on a cached connection (reconnecting if needed); throws
  // redis::ConnectionError when the server is unreachable.
  RedisValue command(const std::vector<std::string>& args);
  redis::RedisEndpoint endpoint() const;

 private:
  Options options_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<redis::SyncClient> client_;
  void disconnect();
};

}  // namespace patchq::testing
