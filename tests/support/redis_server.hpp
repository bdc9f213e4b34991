// RedisServer: a real redis-server for one test, on a free loopback port in a temporary
// directory, stopped (and its files removed) on destruction. Also a tiny synchronous client so
// tests can look at what patchq wrote.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

struct redisContext;

namespace patchq::testing {

struct RedisValue {
  enum class Kind { nil, string, integer, array, status, error } kind = Kind::nil;
  std::string str;  // string, status and error text
  long long integer = 0;
  std::vector<RedisValue> elements;

  bool is_nil() const { return kind == Kind::nil; }
  bool is_error() const { return kind == Kind::error; }
};

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

  // Runs one command on a cached connection (reconnecting if needed); throws when unreachable.
  RedisValue command(const std::vector<std::string>& args);

 private:
  Options options_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  redisContext* context_ = nullptr;
  void disconnect();
};

}  // namespace patchq::testing
