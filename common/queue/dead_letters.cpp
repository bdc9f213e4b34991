// DeadLetters: listing, reviving and purging dead letters (see dead_letters.hpp). Each script
// is a named constant beside its caller, with its KEYS and ARGV.
#include "common/queue/dead_letters.hpp"

#include "common/queue/job_queue.hpp"
#include "common/queue/lua_prelude.hpp"
#include "common/queue/reply_fields.hpp"

namespace patchq::queue {

void write_dead_letter(json::JsonWriter& w, const DeadLetter& d) {
  w.begin_object()
      .field("job_id", d.job_id)
      .field("reason", d.reason)
      .field("attempts", d.attempts)
      .field("error", d.error)
      .field("dead_at_ms", d.dead_at_ms)
      .field("target", d.target)
      .field("item_id", d.item_id)
      .end_object();
}
namespace {

using redis::LuaScript;
using redis::RedisValue;

constexpr const char* kBatch = "200";

// The Lua function both revive scripts use: record back to queued, entry back in the stream.
constexpr const char* kReviveFunction = R"lua(
local function revive(record, stream, job_id)
  local now = ms(now_ms())
  redis.call('HSET', record, 'status', 'queued', 'attempts', '0', 'updated_at', now)
  redis.call('HDEL', record, 'dead_id', 'next_attempt_at', 'finished_at')
  redis.call('XADD', stream, '*', 'job_id', job_id, 'attempt', '0')
end
)lua";

LuaScript script(const char* body) {
  return LuaScript(std::string(kLuaPrelude) + kReviveFunction + body);
}

RedisValue checked(RedisValue reply) {
  if (reply.is_error()) throw QueueError("redis script failed: " + reply.str);
  return reply;
}

}  // namespace

DeadLetters::DeadLetters(redis::SyncClient& client, KeySchema keys)
    : client_(client), keys_(std::move(keys)) {}

std::vector<DeadLetter> DeadLetters::list(std::size_t limit) {
  const RedisValue entries =
      client_.command({"XRANGE", keys_.dead_stream(), "-", "+", "COUNT", std::to_string(limit)});
  std::vector<DeadLetter> out;
  std::vector<std::vector<std::string>> lookups;
  for (const auto& e : entries.elements) {
    if (e.elements.size() != 2) continue;
    const auto f = reply_fields(e.elements[1]);
    DeadLetter d;
    d.entry_id = e.elements[0].str;
    auto get = [&f](const char* k) {
      auto it = f.find(k);
      return it == f.end() ? std::string() : it->second;
    };
    d.job_id = get("job_id");
    d.reason = get("reason");
    d.attempts = parse_int(get("attempts"));
    d.error = get("error");
    d.dead_at_ms = parse_int(get("dead_at"));
    lookups.push_back({"HMGET", keys_.job_record(d.job_id), "target", "item_id"});
    out.push_back(std::move(d));
  }
  if (!lookups.empty()) {
    const auto records = client_.pipeline(lookups);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (records[i].elements.size() != 2) continue;
      out[i].target = records[i].elements[0].str;
      out[i].item_id = records[i].elements[1].str;
    }
  }
  return out;
}

std::int64_t DeadLetters::size() {
  return reply_int(client_.command({"XLEN", keys_.dead_stream()}));
}

// KEYS[1] job record, KEYS[2] dead stream, KEYS[3] jobs stream
// ARGV[1] job id
// Returns {'ok'}, {'not_found'} or {'not_dead', status}.
const LuaScript kReviveScript = script(R"lua(
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
if status ~= 'dead' then return {'not_dead', status} end
local dead_id = redis.call('HGET', KEYS[1], 'dead_id')
if dead_id then redis.call('XDEL', KEYS[2], dead_id) end
revive(KEYS[1], KEYS[3], ARGV[1])
return {'ok'}
)lua");

Revival DeadLetters::revive(const std::string& job_id) {
  const RedisValue reply = checked(
      client_.eval(kReviveScript,
                   {keys_.job_record(job_id), keys_.dead_stream(), keys_.jobs_stream()}, {job_id}));
  Revival out;
  const std::string state = reply.elements.empty() ? "" : reply.elements[0].str;
  if (state == "ok") {
    out.result = Revival::Result::revived;
  } else if (state == "not_dead") {
    out.result = Revival::Result::not_dead;
    out.status = reply.elements.size() > 1 ? reply.elements[1].str : "";
  }
  return out;
}

// KEYS[1] dead stream, KEYS[2] jobs stream
// ARGV[1] job record key prefix, [2] batch size
// Takes the oldest batch of dead letters off the dead stream and revives those whose record
// is still dead. Returns {entries looked at, jobs revived}.
const LuaScript kReviveBatchScript = script(R"lua(
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[2]))
local revived = 0
for _, e in ipairs(entries) do
  redis.call('XDEL', KEYS[1], e[1])
  local job_id
  for j = 1, #e[2], 2 do
    if e[2][j] == 'job_id' then job_id = e[2][j + 1] end
  end
  if job_id then
    local record = ARGV[1] .. job_id
    if redis.call('HGET', record, 'status') == 'dead' then
      revive(record, KEYS[2], job_id)
      revived = revived + 1
    end
  end
end
return {#entries, revived}
)lua");

std::size_t DeadLetters::revive_all() {
  std::size_t revived = 0;
  for (;;) {
    const RedisValue reply =
        checked(client_.eval(kReviveBatchScript, {keys_.dead_stream(), keys_.jobs_stream()},
                             {keys_.job_record_prefix(), kBatch}));
    revived += static_cast<std::size_t>(reply.elements.at(1).integer);
    if (reply.elements.at(0).integer < parse_int(kBatch)) return revived;
  }
}

// KEYS[1] dead stream
// ARGV[1] job record key prefix, [2] batch size
// Deletes the oldest batch of dead letters and the records that are still dead.
// Returns {entries deleted}.
const LuaScript kPurgeBatchScript = script(R"lua(
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[2]))
for _, e in ipairs(entries) do
  redis.call('XDEL', KEYS[1], e[1])
  for j = 1, #e[2], 2 do
    if e[2][j] == 'job_id' then
      local record = ARGV[1] .. e[2][j + 1]
      if redis.call('HGET', record, 'status') == 'dead' then redis.call('DEL', record) end
    end
  end
end
return {#entries}
)lua");

std::size_t DeadLetters::purge() {
  std::size_t purged = 0;
  for (;;) {
    const RedisValue reply = checked(client_.eval(kPurgeBatchScript, {keys_.dead_stream()},
                                                  {keys_.job_record_prefix(), kBatch}));
    const auto n = reply.elements.at(0).integer;
    purged += static_cast<std::size_t>(n);
    if (n < parse_int(kBatch)) return purged;
  }
}

}  // namespace patchq::queue
