// JobQueue: the Redis side of a job's life while it can still run (see job_queue.hpp).
// Each Lua script is a named constant beside the function that runs it, with its KEYS and
// ARGV; the shared functions (now_ms, owns, drop_entry) come from lua_prelude.hpp.
#include "common/queue/job_queue.hpp"

#include <chrono>

#include "common/clock/unix_ms.hpp"
#include "common/obs/log.hpp"
#include "common/queue/enqueue_script.hpp"
#include "common/queue/job_id.hpp"
#include "common/queue/lua_prelude.hpp"
#include "common/queue/payload_codec.hpp"
#include "common/queue/reply_fields.hpp"

namespace patchq::queue {
namespace {

using redis::LuaScript;
using redis::RedisValue;

redis::LuaScript script(const char* body) {
  return redis::LuaScript(std::string(kLuaPrelude) + body);
}

std::string ms_text(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

// A stream entry's [id, [field, value, ...]] as a Delivery.
Delivery delivery_of(const RedisValue& entry_id, const RedisValue& fields, int deliveries) {
  const auto f = reply_fields(fields);
  Delivery d;
  d.entry_id = entry_id.str;
  if (auto it = f.find("job_id"); it != f.end()) d.job_id = it->second;
  if (auto it = f.find("attempt"); it != f.end())
    d.attempt = static_cast<int>(parse_int(it->second));
  d.deliveries = deliveries;
  return d;
}

}  // namespace

Job job_of(const Delivery& delivery) {
  Job job;
  job.id = delivery.job_id;
  job.attempt = delivery.attempt;
  job.stream_entry_id = delivery.entry_id;
  job.deliveries = delivery.deliveries;
  return job;
}

JobQueue::JobQueue(redis::SyncClient& client, KeySchema keys)
    : client_(client), keys_(std::move(keys)) {}

RedisValue JobQueue::run(const LuaScript& lua, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args) {
  RedisValue reply = client_.eval(lua, keys, args);
  if (reply.is_error()) throw QueueError("redis script failed: " + reply.str);
  return reply;
}

void JobQueue::ensure_group() {
  const RedisValue reply = client_.command(
      {"XGROUP", "CREATE", keys_.jobs_stream(), std::string(kConsumerGroup), "0", "MKSTREAM"});
  if (reply.is_error() && reply.str.rfind("BUSYGROUP", 0) != 0) {
    throw QueueError("cannot create consumer group: " + reply.str);
  }
}

std::string JobQueue::enqueue(const JobSpec& spec) {
  EnqueueRequest request;
  request.job_id = new_job_id();
  request.payload = spec.payload;
  request.target = spec.target;
  request.item_id = spec.item_id;
  request.delivery_id = spec.delivery_id.empty() ? "manual-" + request.job_id : spec.delivery_id;
  request.dedup_hash = request.job_id;
  request.received_at_ms = spec.received_at_ms != 0 ? spec.received_at_ms : clock::unix_ms();
  const EnqueueOutcome outcome = enqueue_sync(client_, keys_, std::move(request));
  if (outcome.status != EnqueueStatus::queued) {
    throw QueueError("enqueue refused: " + outcome.reason);
  }
  return outcome.job_id;
}

std::optional<Delivery> JobQueue::read(const std::string& consumer,
                                       std::chrono::milliseconds block) {
  const RedisValue reply =
      client_.command({"XREADGROUP", "GROUP", std::string(kConsumerGroup), consumer, "COUNT", "1",
                       "BLOCK", ms_text(block), "STREAMS", keys_.jobs_stream(), ">"},
                      block + std::chrono::seconds(5));
  if (reply.is_error()) {
    if (reply.str.rfind("NOGROUP", 0) == 0) {
      ensure_group();
      return std::nullopt;
    }
    throw QueueError("XREADGROUP failed: " + reply.str);
  }
  // nil on timeout; else [[stream, [[id, [field, value, ...]]]]]
  if (!reply.is_array() || reply.elements.empty()) return std::nullopt;
  const auto& entries = reply.elements[0].elements.size() > 1
                            ? reply.elements[0].elements[1].elements
                            : std::vector<RedisValue>{};
  if (entries.empty() || entries[0].elements.size() < 2) return std::nullopt;
  return delivery_of(entries[0].elements[0], entries[0].elements[1], 1);
}

// KEYS[1] jobs stream
// ARGV[1] group, [2] consumer, [3] min idle (ms), [4] cursor, [5] max XAUTOCLAIM calls
// XAUTOCLAIM COUNT 1 until one entry is claimed or the scan wraps around (each call looks at
// up to 10 pending entries). Returns {cursor} or {cursor, id, fields, delivery count}.
// Redis 7.0's reply is {cursor, claimed entries, deleted ids}; entries whose stream entry
// was deleted are dropped from the pending list by Redis and listed as deleted.
const LuaScript kClaimExpiredScript = script(R"lua(
local cursor = ARGV[4]
for i = 1, tonumber(ARGV[5]) do
  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', 1)
  cursor = r[1]
  local e = r[2][1]
  if e then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    return {cursor, e[1], e[2], p[1][4]}
  end
  if cursor == '0-0' then break end
end
return {cursor}
)lua");

std::optional<Delivery> JobQueue::claim_expired(const std::string& consumer,
                                                std::chrono::milliseconds lease,
                                                std::string& cursor) {
  const RedisValue reply = run(kClaimExpiredScript, {keys_.jobs_stream()},
                               {std::string(kConsumerGroup), consumer, ms_text(lease),
                                cursor.empty() ? "0-0" : cursor, "4"});
  if (reply.elements.empty()) return std::nullopt;
  cursor = reply.elements[0].str;
  if (reply.elements.size() < 4) return std::nullopt;
  return delivery_of(reply.elements[1], reply.elements[2],
                     static_cast<int>(reply_int(reply.elements[3])));
}

// KEYS[1] jobs stream, KEYS[2] job record
// ARGV[1] group, [2] consumer, [3] entry id, [4] attempt
// Returns {'ok', deliveries, payload, target, item_id, delivery_id, received_at},
// {'lost'} (not ours) or {'orphan'} (no record: the entry is acked and deleted).
const LuaScript kStartScript = script(R"lua(
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #p == 0 then return {'lost'} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  drop_entry(KEYS[1], ARGV[1], ARGV[3])
  return {'orphan'}
end
local now = ms(now_ms())
redis.call('HSET', KEYS[2], 'status', 'running', 'worker', ARGV[2],
           'attempts', ms(tonumber(ARGV[4]) + 1), 'started_at', now, 'updated_at', now)
local f = redis.call('HMGET', KEYS[2], 'payload', 'target', 'item_id', 'delivery_id',
                     'received_at')
return {'ok', p[1][4], f[1], f[2], f[3], f[4], f[5]}
)lua");

std::optional<Job> JobQueue::start(const Delivery& delivery, const std::string& consumer) {
  const RedisValue reply = run(
      kStartScript, {keys_.jobs_stream(), keys_.job_record(delivery.job_id)},
      {std::string(kConsumerGroup), consumer, delivery.entry_id, std::to_string(delivery.attempt)});
  const std::string state = reply.elements.empty() ? "" : reply.elements[0].str;
  if (state == "orphan") {
    obs::log_warn("job_record_missing")
        .field("job_id", delivery.job_id)
        .field("entry_id", delivery.entry_id)
        .field("action", "entry acked and deleted; nothing to run");
    return std::nullopt;
  }
  if (state != "ok" || reply.elements.size() < 7) return std::nullopt;
  Job job = job_of(delivery);
  job.deliveries = static_cast<int>(reply_int(reply.elements[1]));
  auto decoded = decode_payload(reply.elements[2].str, kMaxDecodedPayloadBytes);
  if (decoded) {
    job.payload = std::move(decoded).value();
  } else {
    job.payload_error = decoded.error().reason;
  }
  job.target = reply.elements[3].str;
  job.item_id = reply.elements[4].str;
  job.delivery_id = reply.elements[5].str;
  job.received_at_ms = parse_int(reply.elements[6].str);
  return job;
}

// KEYS[1] jobs stream
// ARGV[1] group, [2] consumer, [3] entry id, [4] idle to set (ms; 0 = renew)
// XCLAIM ... JUSTID resets (or sets) the idle time without counting a delivery.
// Returns 1, or 0 when the consumer does not own the entry.
const LuaScript kLeaseScript = script(R"lua(
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')
return 1
)lua");

bool JobQueue::renew_lease(const Job& job, const std::string& consumer) {
  return run(kLeaseScript, {keys_.jobs_stream()},
             {std::string(kConsumerGroup), consumer, job.stream_entry_id, "0"})
             .integer == 1;
}

bool JobQueue::release_lease(const Job& job, const std::string& consumer) {
  // One day of idle time: longer than any lease, yet a valid time for XCLAIM (a value past
  // the epoch would be ignored and read as "just delivered").
  return run(kLeaseScript, {keys_.jobs_stream()},
             {std::string(kConsumerGroup), consumer, job.stream_entry_id, "86400000"})
             .integer == 1;
}

// KEYS[1] jobs stream, KEYS[2] job record, KEYS[3] done counter
// ARGV[1] group, [2] consumer, [3] entry id, [4] tiles, [5] record TTL (ms; 0 = none),
//     [6] minute counters prefix (the minute's key is built here from Redis' clock),
//     [7] note ('' = none), [8] [9] [10] tiles new, already there, superseded ('' = not known)
// Returns 1, or 0 when the consumer does not own the entry.
const LuaScript kCompleteScript = script(R"lua(
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return 0 end
local now_n = now_ms()
local now = ms(now_n)
redis.call('HSET', KEYS[2], 'status', 'done', 'tiles', ARGV[4], 'finished_at', now,
           'updated_at', now)
count_minute(ARGV[6], now_n, 'done', 1)
count_minute(ARGV[6], now_n, 'tiles', tonumber(ARGV[4]))
redis.call('HDEL', KEYS[2], 'next_attempt_at', 'dead_id')
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[2], 'note', ARGV[7])
else
  redis.call('HDEL', KEYS[2], 'note')
end
local counted = {'tiles_new', 'tiles_already', 'tiles_superseded'}
for i = 1, 3 do
  if ARGV[7 + i] ~= '' then
    redis.call('HSET', KEYS[2], counted[i], ARGV[7 + i])
  else
    redis.call('HDEL', KEYS[2], counted[i])
  end
end
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
redis.call('INCR', KEYS[3])
drop_entry(KEYS[1], ARGV[1], ARGV[3])
return 1
)lua");

bool JobQueue::complete(const Job& job, const std::string& consumer, std::int64_t tiles,
                        std::chrono::milliseconds done_ttl, const std::string& note,
                        const std::optional<TileCounts>& counts) {
  std::string uploaded, already, superseded;
  if (counts) {
    uploaded = std::to_string(counts->uploaded);
    already = std::to_string(counts->already);
    if (counts->superseded) superseded = std::to_string(*counts->superseded);
  }
  return run(kCompleteScript, {keys_.jobs_stream(), keys_.job_record(job.id), keys_.done_counter()},
             {std::string(kConsumerGroup), consumer, job.stream_entry_id, std::to_string(tiles),
              ms_text(done_ttl), keys_.minute_counters_prefix(), note, uploaded, already,
              superseded})
             .integer == 1;
}

// KEYS[1] jobs stream, KEYS[2] job record, KEYS[3] retry set
// ARGV[1] group, [2] consumer, [3] entry id, [4] job id, [5] delay (ms), [6] error,
//     [7] minute counters prefix
// Returns the due time (ms, as a string), or nil when the consumer does not own the entry.
const LuaScript kScheduleRetryScript = script(R"lua(
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return false end
local now = now_ms()
local due = ms(now + tonumber(ARGV[5]))
redis.call('ZADD', KEYS[3], due, ARGV[4])
count_minute(ARGV[7], now, 'retry', 1)
redis.call('HSET', KEYS[2], 'status', 'retrying', 'error', ARGV[6], 'next_attempt_at', due,
           'updated_at', ms(now))
drop_entry(KEYS[1], ARGV[1], ARGV[3])
return due
)lua");

std::optional<std::int64_t> JobQueue::schedule_retry(const Job& job, const std::string& consumer,
                                                     std::chrono::milliseconds delay,
                                                     const std::string& error) {
  const RedisValue reply =
      run(kScheduleRetryScript, {keys_.jobs_stream(), keys_.job_record(job.id), keys_.retry_set()},
          {std::string(kConsumerGroup), consumer, job.stream_entry_id, job.id, ms_text(delay),
           error, keys_.minute_counters_prefix()});
  if (reply.is_nil()) return std::nullopt;
  return parse_int(reply.str);
}

// KEYS[1] jobs stream, KEYS[2] job record, KEYS[3] dead stream
// ARGV[1] group, [2] consumer, [3] entry id, [4] job id, [5] reason, [6] error,
//     [7] minute counters prefix
// Returns the dead letter's id, or nil when the consumer does not own the entry.
const LuaScript kBuryScript = script(R"lua(
if not owns(KEYS[1], ARGV[1], ARGV[3], ARGV[2]) then return false end
local now_n = now_ms()
local now = ms(now_n)
local attempts = redis.call('HGET', KEYS[2], 'attempts') or '0'
count_minute(ARGV[7], now_n, 'dead', 1)
local dead_id = redis.call('XADD', KEYS[3], '*', 'job_id', ARGV[4], 'reason', ARGV[5],
                           'attempts', attempts, 'error', ARGV[6], 'dead_at', now)
redis.call('HSET', KEYS[2], 'status', 'dead', 'error', ARGV[6], 'dead_id', dead_id,
           'finished_at', now, 'updated_at', now)
redis.call('HDEL', KEYS[2], 'next_attempt_at')
drop_entry(KEYS[1], ARGV[1], ARGV[3])
return dead_id
)lua");

std::optional<std::string> JobQueue::bury(const Job& job, const std::string& consumer,
                                          const std::string& reason, const std::string& error) {
  const RedisValue reply =
      run(kBuryScript, {keys_.jobs_stream(), keys_.job_record(job.id), keys_.dead_stream()},
          {std::string(kConsumerGroup), consumer, job.stream_entry_id, job.id, reason, error,
           keys_.minute_counters_prefix()});
  if (reply.is_nil()) return std::nullopt;
  return reply.str;
}

// KEYS[1] retry set, KEYS[2] jobs stream
// ARGV[1] job record key prefix, [2] batch size
// Moves due members back to the stream with attempt = the record's attempts (the next
// attempt's number). Members without a record are dropped. Returns how many it looked at.
const LuaScript kForwardScript = script(R"lua(
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms(now), 'LIMIT', 0, tonumber(ARGV[2]))
for _, job_id in ipairs(due) do
  redis.call('ZREM', KEYS[1], job_id)
  local record = ARGV[1] .. job_id
  if redis.call('EXISTS', record) == 1 then
    local attempt = redis.call('HGET', record, 'attempts') or '0'
    redis.call('XADD', KEYS[2], '*', 'job_id', job_id, 'attempt', attempt)
    redis.call('HSET', record, 'status', 'queued', 'updated_at', ms(now))
    redis.call('HDEL', record, 'next_attempt_at')
  end
end
return #due
)lua");

std::size_t JobQueue::forward_due_retries(std::size_t limit) {
  return static_cast<std::size_t>(run(kForwardScript, {keys_.retry_set(), keys_.jobs_stream()},
                                      {keys_.job_record_prefix(), std::to_string(limit)})
                                      .integer);
}

// KEYS[1] jobs stream
// ARGV[1] group, [2] idle threshold (ms)
// Deletes consumers with no pending entries idle longer than the threshold; returns how many.
const LuaScript kPruneConsumersScript = script(R"lua(
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending, idle
  for j = 1, #c, 2 do
    if c[j] == 'name' then name = c[j + 1]
    elseif c[j] == 'pending' then pending = c[j + 1]
    elseif c[j] == 'idle' then idle = c[j + 1] end
  end
  if pending == 0 and idle > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    n = n + 1
  end
end
return n
)lua");

std::size_t JobQueue::prune_idle_consumers(std::chrono::milliseconds idle) {
  const RedisValue reply = client_.eval(kPruneConsumersScript, {keys_.jobs_stream()},
                                        {std::string(kConsumerGroup), ms_text(idle)});
  if (reply.is_error()) return 0;  // no stream or group yet: nobody to prune
  return static_cast<std::size_t>(reply.integer);
}

}  // namespace patchq::queue
