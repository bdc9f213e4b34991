// read_status_snapshot: one Lua script gathers every number (see status_snapshot.hpp); the
// parser below turns its nested reply into the struct. Fields that may be missing are sent
// as '' (a nil would end a Lua table early).
#include "common/queue/status_snapshot.hpp"

#include <algorithm>
#include <cstdlib>

#include "common/json/json_writer.hpp"
#include "common/queue/job_queue.hpp"
#include "common/queue/lua_prelude.hpp"
#include "common/queue/reply_fields.hpp"

namespace patchq::queue {
namespace {

using redis::RedisValue;

// KEYS[1] jobs stream, [2] retry set, [3] dead stream, [4] done counter, [5] V7 bucket index
// ARGV[1] group, [2] running limit, [3] dead limit, [4] minutes, [5] seen window (ms),
//     [6] job record prefix, [7] minute counters prefix
// Returns {now, {xlen, pending, consumers, retrying, dead, done, oldest undelivered id},
//          running, workers, minutes, buckets, dead letters}; see parse_status_snapshot.
const redis::LuaScript kSnapshotScript(std::string(kLuaPrelude) + R"lua(
local function flat(list)
  local t = {}
  for i = 1, #list, 2 do t[list[i]] = list[i + 1] end
  return t
end
local function text(v)
  if v == false or v == nil then return '' end
  return tostring(v)
end
local now = now_ms()
local group, rec = ARGV[1], ARGV[6]

local xlen = redis.call('XLEN', KEYS[1])
local pending, consumers, last = 0, 0, '0-0'
local groups = redis.pcall('XINFO', 'GROUPS', KEYS[1])
if groups.err == nil then
  for _, g in ipairs(groups) do
    local f = flat(g)
    if f['name'] == group then
      pending, consumers = f['pending'], f['consumers']
      last = f['last-delivered-id'] or '0-0'
    end
  end
end
local oldest = ''
if xlen - pending > 0 then
  local from = '-'
  if last ~= '0-0' then from = '(' .. last end
  local e = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 1)
  if e[1] then oldest = e[1][1] end
end
local queue = {xlen, pending, consumers, redis.call('ZCARD', KEYS[2]),
               redis.call('XLEN', KEYS[3]), text(redis.call('GET', KEYS[4])), oldest}

local running = {}
if pending > 0 then
  for _, p in ipairs(redis.call('XPENDING', KEYS[1], group, '-', '+', tonumber(ARGV[2]))) do
    local job_id, item, target, started = '', '', '', ''
    local e = redis.call('XRANGE', KEYS[1], p[1], p[1])
    if e[1] then
      job_id = text(flat(e[1][2])['job_id'])
      local r = redis.call('HMGET', rec .. job_id, 'item_id', 'target', 'started_at')
      item, target, started = text(r[1]), text(r[2]), text(r[3])
    end
    running[#running + 1] = {p[2], p[1], p[3], p[4], job_id, item, target, started}
  end
end

local workers = {}
local cs = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], group)
if cs.err == nil then
  for _, c in ipairs(cs) do
    local f = flat(c)
    if f['idle'] <= tonumber(ARGV[5]) then
      workers[#workers + 1] = {f['name'], f['pending'], f['idle']}
    end
  end
end

local minutes = {}
local current = math.floor(now / 60000)
for m = current - tonumber(ARGV[4]) + 1, current do
  local r = redis.call('HMGET', ARGV[7] .. ms(m), 'done', 'retry', 'dead', 'tiles',
                       'calls:v7rate')
  minutes[#minutes + 1] = {ms(m), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5])}
end

local buckets = redis.call('ZRANGEBYSCORE', KEYS[5], now - 120000, '+inf', 'WITHSCORES')
local bucket_rows = {}
for i = 1, #buckets, 2 do
  local r = redis.call('HMGET', buckets[i], 'tokens', 'ts', 'rate', 'burst')
  bucket_rows[#bucket_rows + 1] = {buckets[i], text(r[1]), text(r[2]), text(r[3]), text(r[4]),
                                   buckets[i + 1]}
end

local dead = {}
for _, e in ipairs(redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', tonumber(ARGV[3]))) do
  local f = flat(e[2])
  local job_id = text(f['job_id'])
  local r = redis.call('HMGET', rec .. job_id, 'target', 'item_id')
  dead[#dead + 1] = {e[1], job_id, text(f['reason']), text(f['attempts']), text(f['error']),
                     text(f['dead_at']), text(r[1]), text(r[2])}
end

return {ms(now), queue, running, workers, minutes, bucket_rows, dead}
)lua");

const std::string& str_at(const RedisValue& row, std::size_t i) {
  static const std::string empty;
  return i < row.elements.size() ? row.elements[i].str : empty;
}

std::int64_t int_at(const RedisValue& row, std::size_t i) {
  return i < row.elements.size() ? reply_int(row.elements[i]) : 0;
}

double double_at(const RedisValue& row, std::size_t i) {
  const std::string& s = str_at(row, i);
  return s.empty() ? 0.0 : std::strtod(s.c_str(), nullptr);
}

const std::vector<RedisValue>& rows(const RedisValue& reply, std::size_t i) {
  static const std::vector<RedisValue> none;
  return i < reply.elements.size() ? reply.elements[i].elements : none;
}

}  // namespace

const redis::LuaScript& status_snapshot_script() {
  return kSnapshotScript;
}

std::vector<std::string> status_snapshot_keys(const KeySchema& keys) {
  return {keys.jobs_stream(), keys.retry_set(), keys.dead_stream(), keys.done_counter(),
          keys.v7_bucket_index()};
}

std::vector<std::string> status_snapshot_args(const KeySchema& keys, const SnapshotLimits& limits) {
  return {std::string(kConsumerGroup),
          std::to_string(std::max<std::size_t>(1, limits.running)),
          std::to_string(std::max<std::size_t>(1, limits.dead)),
          std::to_string(std::clamp<std::size_t>(limits.minutes, 1, 60)),
          std::to_string(limits.seen_ms),
          keys.job_record_prefix(),
          keys.minute_counters_prefix()};
}

StatusSnapshot parse_status_snapshot(const RedisValue& reply) {
  StatusSnapshot s;
  if (!reply.is_array() || reply.elements.size() < 7) return s;
  s.now_ms = reply_int(reply.elements[0]);

  const RedisValue& q = reply.elements[1];
  const std::int64_t length = int_at(q, 0);
  s.queue.pending = int_at(q, 1);
  s.queue.consumers = int_at(q, 2);
  s.queue.queued = std::max<std::int64_t>(0, length - s.queue.pending);
  s.queue.retrying = int_at(q, 3);
  s.queue.dead = int_at(q, 4);
  s.queue.done = int_at(q, 5);
  if (const std::string& oldest = str_at(q, 6); !oldest.empty()) {
    s.queue.lag_ms = std::max<std::int64_t>(0, s.now_ms - stream_id_ms(oldest));
  }

  for (const auto& r : rows(reply, 2)) {
    RunningJob job;
    job.consumer = str_at(r, 0);
    job.idle_ms = int_at(r, 2);
    job.deliveries = int_at(r, 3);
    job.job_id = str_at(r, 4);
    job.item_id = str_at(r, 5);
    job.target = str_at(r, 6);
    job.since_ms = int_at(r, 7);
    s.running.push_back(std::move(job));
  }
  for (const auto& r : rows(reply, 3)) {
    s.workers.push_back({str_at(r, 0), int_at(r, 1), int_at(r, 2)});
  }
  std::sort(s.workers.begin(), s.workers.end(),
            [](const WorkerSeen& a, const WorkerSeen& b) { return a.idle_ms < b.idle_ms; });
  for (const auto& r : rows(reply, 4)) {
    s.minutes.push_back(
        {int_at(r, 0), int_at(r, 1), int_at(r, 2), int_at(r, 3), int_at(r, 4), int_at(r, 5)});
  }
  for (const auto& r : rows(reply, 5)) {
    V7Bucket b;
    b.key = str_at(r, 0);
    const double tokens = double_at(r, 1);
    const std::int64_t ts = int_at(r, 2);
    b.rate_per_minute = int_at(r, 3);
    b.burst = int_at(r, 4);
    b.last_used_ms = static_cast<std::int64_t>(double_at(r, 5));
    // The bucket as it stands now: refilled since its last reservation, up to the burst.
    const double refill = static_cast<double>(std::max<std::int64_t>(0, s.now_ms - ts)) *
                          static_cast<double>(b.rate_per_minute) / 60000.0;
    b.tokens = std::min(static_cast<double>(b.burst), tokens + refill);
    s.v7_buckets.push_back(std::move(b));
  }
  for (const auto& r : rows(reply, 6)) {
    DeadLetter d;
    d.entry_id = str_at(r, 0);
    d.job_id = str_at(r, 1);
    d.reason = str_at(r, 2);
    d.attempts = int_at(r, 3);
    d.error = str_at(r, 4);
    d.dead_at_ms = int_at(r, 5);
    d.target = str_at(r, 6);
    d.item_id = str_at(r, 7);
    s.recent_dead.push_back(std::move(d));
  }
  return s;
}

StatusSnapshot read_status_snapshot(redis::SyncClient& client, const KeySchema& keys,
                                    const SnapshotLimits& limits) {
  const RedisValue reply =
      client.eval(kSnapshotScript, status_snapshot_keys(keys), status_snapshot_args(keys, limits));
  if (reply.is_error()) throw QueueError("status snapshot script failed: " + reply.str);
  return parse_status_snapshot(reply);
}

double StatusSnapshot::done_per_minute() const {
  // The current minute is partial: average the complete minutes before it.
  if (minutes.size() < 2) return 0.0;
  const std::size_t complete = minutes.size() - 1;
  const std::size_t window = std::min<std::size_t>(5, complete);
  std::int64_t done = 0;
  for (std::size_t i = complete - window; i < complete; ++i) done += minutes[i].done;
  return static_cast<double>(done) / static_cast<double>(window);
}

double StatusSnapshot::failure_rate() const {
  std::int64_t failed = 0, all = 0;
  for (const auto& m : minutes) {
    failed += m.failures();
    all += m.outcomes();
  }
  return all == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(all);
}

std::int64_t StatusSnapshot::backlog_eta_ms() const {
  const double rate = done_per_minute();
  const std::int64_t backlog = queue.queued + queue.retrying + queue.pending;
  if (backlog == 0) return 0;
  if (rate <= 0.0) return -1;
  return static_cast<std::int64_t>(static_cast<double>(backlog) / rate * 60000.0);
}

std::string status_snapshot_json(const StatusSnapshot& s) {
  json::JsonWriter w;
  w.begin_object().field("now_ms", s.now_ms);
  w.key("queue")
      .begin_object()
      .field("queued", s.queue.queued)
      .field("pending", s.queue.pending)
      .field("retrying", s.queue.retrying)
      .field("dead", s.queue.dead)
      .field("done", s.queue.done)
      .field("consumers", s.queue.consumers)
      .field("lag_seconds", static_cast<double>(s.queue.lag_ms) / 1000.0)
      .end_object();
  w.key("rates")
      .begin_object()
      .field("done_per_minute", s.done_per_minute())
      .field("failure_rate", s.failure_rate())
      .field("backlog_eta_seconds",
             s.backlog_eta_ms() < 0 ? -1.0 : static_cast<double>(s.backlog_eta_ms()) / 1000.0)
      .end_object();
  w.key("running").begin_array();
  for (const auto& r : s.running) {
    w.begin_object()
        .field("consumer", r.consumer)
        .field("job_id", r.job_id)
        .field("item_id", r.item_id)
        .field("target", r.target)
        .field("since_ms", r.since_ms)
        .field("idle_ms", r.idle_ms)
        .field("deliveries", r.deliveries)
        .end_object();
  }
  w.end_array().key("workers").begin_array();
  for (const auto& wk : s.workers) {
    w.begin_object()
        .field("consumer", wk.consumer)
        .field("pending", wk.pending)
        .field("last_seen_ms", s.now_ms - wk.idle_ms)
        .field("idle_ms", wk.idle_ms)
        .end_object();
  }
  w.end_array().key("minutes").begin_array();
  for (const auto& m : s.minutes) {
    w.begin_object()
        .field("start_ms", m.minute * 60000)
        .field("done", m.done)
        .field("retry", m.retry)
        .field("dead", m.dead)
        .field("tiles", m.tiles)
        .field("v7_calls", m.v7_calls)
        .end_object();
  }
  w.end_array().key("v7_buckets").begin_array();
  for (const auto& b : s.v7_buckets) {
    w.begin_object()
        .field("key", b.key)
        .field("tokens", b.tokens)
        .field("burst", b.burst)
        .field("rate_per_minute", b.rate_per_minute)
        .field("last_used_ms", b.last_used_ms)
        .end_object();
  }
  w.end_array().key("recent_dead").begin_array();
  for (const auto& d : s.recent_dead) write_dead_letter(w, d);
  w.end_array().end_object();
  return w.take();
}

}  // namespace patchq::queue
