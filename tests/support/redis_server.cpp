#include "tests/support/redis_server.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

std::filesystem::path redis_server_binary() {
  for (const char* candidate : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw std::runtime_error("redis-server not found; run scripts/setup-deps");
}

}  // namespace

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(options) {
  // A port can be taken between free_port() and redis' bind; try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::exception&) {
      process_.reset();
    }
  }
  throw std::runtime_error("could not start redis-server");
}

RedisServer::~RedisServer() {
  disconnect();
  if (process_) {
    process_->signal(SIGKILL);
    process_->wait_exit(std::chrono::seconds(5));
  }
}

std::string RedisServer::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/0";
}

void RedisServer::start() {
  disconnect();
  std::vector<std::string> args = {"--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_.path().string(),
                                   "--save",
                                   "",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   "",
                                   "--protected-mode",
                                   "no"};
  if (options_.append_only) {
    args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    args.insert(args.end(), {"--appendonly", "no"});
  }
  process_ = std::make_unique<ChildProcess>(redis_server_binary(), args);
  const bool up = wait_until(
      [&] {
        if (!process_->running()) return true;  // died: stop waiting, report below
        try {
          redis::SyncClient probe({endpoint(), std::chrono::milliseconds(200)});
          return probe.command({"PING"}).str == "PONG";
        } catch (const redis::ConnectionError&) {
          return false;
        }
      },
      std::chrono::seconds(10));
  if (!up || !process_->running()) {
    throw std::runtime_error("redis-server did not come up on port " + std::to_string(port_) +
                             ": " + process_->stdout_text());
  }
}

void RedisServer::stop() {
  disconnect();
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait_exit(std::chrono::seconds(10));
}

void RedisServer::kill() {
  disconnect();
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds(10));
}

bool RedisServer::running() {
  return process_ && process_->running();
}

void RedisServer::disconnect() {
  client_.reset();
}

redis::RedisEndpoint RedisServer::endpoint() const {
  redis::RedisEndpoint ep;
  ep.host = host();
  ep.port = port_;
  return ep;
}

RedisValue RedisServer::command(const std::vector<std::string>& args) {
  if (!client_)
    client_ = std::make_unique<redis::SyncClient>(redis::SyncClient::Options{endpoint()});
  return client_->command(args);
}

}  // namespace patchq::testing
