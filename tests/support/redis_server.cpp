#include "tests/support/redis_server.hpp"

#include <hiredis/hiredis.h>
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

RedisValue convert(const redisReply* r) {
  RedisValue v;
  if (r == nullptr) return v;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      v.kind = RedisValue::Kind::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.kind = RedisValue::Kind::status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.kind = RedisValue::Kind::error;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.kind = RedisValue::Kind::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.kind = RedisValue::Kind::array;
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;
  }
  return v;
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
  std::vector<std::string> args = {"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--dir", dir_.path().string(), "--save", "",
                                   "--daemonize", "no", "--logfile", "",
                                   "--protected-mode", "no"};
  if (options_.append_only) {
    args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    args.insert(args.end(), {"--appendonly", "no"});
  }
  process_ = std::make_unique<ChildProcess>(redis_server_binary(), args);
  const bool up = wait_until(
      [&] {
        if (!process_->running()) return true;  // died: stop waiting, report below
        redisContext* c = redisConnect("127.0.0.1", port_);
        bool ok = false;
        if (c != nullptr && c->err == 0) {
          auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
          ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
          if (reply) freeReplyObject(reply);
        }
        if (c) redisFree(c);
        return ok;
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

bool RedisServer::running() { return process_ && process_->running(); }

void RedisServer::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

RedisValue RedisServer::command(const std::vector<std::string>& args) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (context_ == nullptr) {
      timeval tv{5, 0};
      context_ = redisConnectWithTimeout("127.0.0.1", port_, tv);
      if (context_ == nullptr || context_->err) {
        disconnect();
        throw std::runtime_error("cannot connect to test redis");
      }
      redisSetTimeout(context_, tv);
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (reply == nullptr) {
      disconnect();
      continue;
    }
    RedisValue v = convert(reply);
    freeReplyObject(reply);
    return v;
  }
  throw std::runtime_error("test redis did not answer");
}

}  // namespace patchq::testing
