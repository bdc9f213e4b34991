#include "common/redis/sync_client.hpp"

#include <hiredis/hiredis.h>

namespace patchq::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

void append_argv(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
}

}  // namespace

SyncClient::SyncClient(Options options) : options_(std::move(options)) {}

SyncClient::~SyncClient() {
  disconnect();
}

void SyncClient::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

void SyncClient::set_timeout(std::chrono::milliseconds timeout) {
  redisSetTimeout(context_, to_timeval(timeout));
}

void SyncClient::ensure_connected() {
  if (context_ != nullptr) return;
  const auto& ep = options_.endpoint;
  context_ =
      redisConnectWithTimeout(ep.host.c_str(), ep.port, to_timeval(options_.connect_timeout));
  if (context_ == nullptr || context_->err) {
    const std::string why = context_ ? context_->errstr : "out of memory";
    disconnect();
    throw ConnectionError("cannot connect to " + ep.describe() + ": " + why);
  }
  redisEnableKeepAlive(context_);
  set_timeout(options_.command_timeout);
  const auto setup = connection_setup_commands(ep);
  for (const auto& cmd : setup) {
    append_argv(context_, cmd);
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK) {
      disconnect();
      throw ConnectionError("connection to " + ep.describe() + " broke during setup");
    }
    auto* reply = static_cast<redisReply*>(raw);
    const bool failed = reply->type == REDIS_REPLY_ERROR;
    const std::string text = failed ? std::string(reply->str, reply->len) : "";
    freeReplyObject(reply);
    if (failed) {
      disconnect();
      throw ConnectionError("redis refused " + cmd[0] + " on " + ep.describe() + ": " + text);
    }
  }
}

RedisValue SyncClient::command(const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout) {
  if (timeout == std::chrono::milliseconds::zero()) return std::move(pipeline({args}).front());
  ensure_connected();
  set_timeout(timeout);
  auto replies = pipeline({args});
  if (context_ != nullptr) set_timeout(options_.command_timeout);
  return std::move(replies.front());
}

std::vector<RedisValue> SyncClient::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  ensure_connected();
  for (const auto& cmd : commands) append_argv(context_, cmd);
  std::vector<RedisValue> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK) {
      const std::string why = context_->errstr;
      disconnect();
      throw ConnectionError("redis " + options_.endpoint.describe() + ": " + why);
    }
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(RedisValue::from_reply(reply));
    freeReplyObject(reply);
  }
  return out;
}

RedisValue SyncClient::eval(const LuaScript& script, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args) {
  std::vector<std::string> cmd = {"EVALSHA", script.sha1(), std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  RedisValue v = command(cmd);
  if (v.is_error() && v.str.rfind("NOSCRIPT", 0) == 0) {
    cmd[0] = "EVAL";
    cmd[1] = script.text();
    v = command(cmd);
  }
  return v;
}

}  // namespace patchq::redis
