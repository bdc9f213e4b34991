#include "common/v7/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/codec/sha256.hpp"
#include "common/obs/log.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::v7 {
namespace {

// The end of both reservation scripts: the bucket in the index of buckets by last use, the
// reservation in the minute's counters, and the wait handed back (`now`, `wait` set before).
constexpr const char* kRecordBucketUse = R"lua(
redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 86400000)
local minute = ARGV[3] .. string.format('%.0f', math.floor(now / 60000))
redis.call('HINCRBY', minute, 'calls:' .. ARGV[4], 1)
redis.call('EXPIRE', minute, 3600)
return wait
)lua";

// Reserves one token of a bucket shared by every process using the same key.
// KEYS[1]  bucket hash: tokens (float, may be negative = reserved debt), ts (ms, Redis clock),
//          rate, burst (for readers such as the status page)
// KEYS[2]  index of buckets by last use (queue::KeySchema::v7_bucket_index)
// ARGV[1]  rate per minute; ARGV[2] burst (bucket capacity); ARGV[3] per-minute counters
//          prefix (queue::KeySchema::minute_counters_prefix); ARGV[4] the bucket's name
// The reservation is counted as "calls:<bucket name>" in the minute's counters.
// Returns  milliseconds the caller must wait before sending (0 = now).
// Uses Redis TIME so all workers share one clock (allowed under effects replication, the
// default since Redis 7). The key expires once the bucket would be full again anyway.
const redis::LuaScript kReserveToken(std::string(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per_ms = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * per_ms)
  ts = now
end
tokens = tokens - 1
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens / per_ms) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts), 'rate', ARGV[1],
           'burst', ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
)lua") + kRecordBucketUse);

// The fair-share variant: one slot a request on a timeline of slots 60000/rate ms apart.
// KEYS[1..2] as above; KEYS[3] reserved slots (zset, score = member = slot number); KEYS[4]
//          shares by the time of their latest slot (zset, ms); KEYS[5] this share's earliest
//          next slot (string)
// ARGV[1..4] as above; ARGV[5] share window (ms); ARGV[6] the share's name
// A slot is used once: at or after its start, and never more than `burst` slots after it, so
// any interval T holds at most burst + rate*T + 1 requests, as with the bucket.
const redis::LuaScript kReserveFairSlot(std::string(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local window = tonumber(ARGV[5])
local share = ARGV[6]
local slot_ms = 60000 / rate
local now_slot = math.floor(now / slot_ms)
local low = now_slot - burst + 1
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. string.format('%.0f', low))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. string.format('%.0f', now - window))
local others = redis.call('ZCARD', KEYS[4])
if redis.call('ZSCORE', KEYS[4], share) then others = others - 1 end
local stored_next = tonumber(redis.call('GET', KEYS[5]))
local function first_free(from, to)
  local slot = from
  for _, v in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], string.format('%.0f', from), to,
                                'LIMIT', 0, 100000)) do
    local n = tonumber(v)
    if n == slot then slot = slot + 1 elseif n > slot then break end
  end
  return slot
end
local slot = nil
-- A slot of the burst window nobody took is free capacity: whoever asks takes it at once.
local now_text = string.format('%.0f', now_slot)
if redis.call('ZCOUNT', KEYS[3], string.format('%.0f', low), now_text) < now_slot - low + 1 then
  slot = first_free(low, now_text)
end
if slot == nil then
  local start = stored_next or low
  if start < low then start = low end
  slot = first_free(start, '+inf')
end
local member = string.format('%.0f', slot)
redis.call('ZADD', KEYS[3], slot, member)
local slot_at = slot * slot_ms
local wait = 0
if slot > now_slot then wait = math.ceil(slot_at - now) end
local next_slot = math.max(stored_next or 0, slot + others + 1)
local share_until = math.max(now, slot_at)
redis.call('ZADD', KEYS[4], share_until, share)
redis.call('SET', KEYS[5], string.format('%.0f', next_slot), 'PX',
           math.ceil(math.max(0, next_slot - now_slot) * slot_ms) + window + 1000)
local last = tonumber(redis.call('ZRANGE', KEYS[3], -1, -1)[1]) or slot
local horizon = math.ceil(math.max(0, last - now_slot + burst) * slot_ms) + 1000
redis.call('PEXPIRE', KEYS[3], horizon)
redis.call('PEXPIRE', KEYS[4], math.ceil(share_until - now) + window + 1000)
local tokens = math.min(burst - 1, now_slot - slot)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now), 'rate', ARGV[1],
           'burst', ARGV[2])
redis.call('PEXPIRE', KEYS[1], horizon)
)lua") + kRecordBucketUse);

// No scope: the fleet's callers outside any job share one name.
constexpr std::string_view kUnscopedShare = "-";

thread_local std::string current_share;

std::string share_of(std::string_view job_id) {
  return codec::sha256_hex(job_id).substr(0, 16);
}

}  // namespace

ShareScope::ShareScope(std::string_view job_id)
    : previous_(std::exchange(current_share, share_of(job_id))) {}

ShareScope::~ShareScope() {
  current_share = std::move(previous_);
}

const std::string& ShareScope::current() {
  return current_share;
}

ShareHandOver::ShareHandOver(std::string share)
    : previous_(std::exchange(current_share, std::move(share))) {}

ShareHandOver::~ShareHandOver() {
  current_share = std::move(previous_);
}

LocalRateLimiter::LocalRateLimiter(std::int64_t rate_per_minute, std::int64_t burst)
    : per_ms_(static_cast<double>(std::max<std::int64_t>(1, rate_per_minute)) / 60000.0),
      burst_(static_cast<double>(std::max<std::int64_t>(1, burst))),
      tokens_(burst_),
      last_(std::chrono::steady_clock::now()) {}

std::chrono::milliseconds LocalRateLimiter::reserve(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now > last_) {
    const double elapsed_ms = std::chrono::duration<double, std::milli>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed_ms * per_ms_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(-tokens_ / per_ms_)));
}

std::chrono::milliseconds LocalRateLimiter::acquire() {
  const auto wait = reserve(std::chrono::steady_clock::now());
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
  return wait;
}

FleetRateLimiter::FleetRateLimiter(Options options)
    : options_(std::move(options)),
      key_(bucket_key(options_.key_prefix, options_.api_key, options_.bucket)),
      local_(options_.rate_per_minute, options_.burst) {
  options_.api_key.clear();  // only the hash is needed from here on
  client_ = std::make_unique<redis::SyncClient>(redis::SyncClient::Options{
      options_.endpoint, options_.redis_timeout, options_.redis_timeout});
}

FleetRateLimiter::~FleetRateLimiter() = default;

std::string FleetRateLimiter::bucket_key(std::string_view prefix, std::string_view api_key,
                                         std::string_view bucket) {
  return std::string(prefix) + std::string(bucket) + ":" + codec::sha256_hex(api_key).substr(0, 16);
}

bool FleetRateLimiter::using_fallback() const {
  std::lock_guard lock(mutex_);
  return fallback_;
}

std::optional<std::chrono::milliseconds> FleetRateLimiter::reserve_in_redis(
    const std::string& share) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (fallback_ && now < retry_redis_at_) return std::nullopt;
  const queue::KeySchema keys(options_.key_prefix);
  try {
    std::vector<std::string> args{std::to_string(options_.rate_per_minute),
                                  std::to_string(options_.burst), keys.minute_counters_prefix(),
                                  options_.bucket};
    const bool fair = options_.share_window.count() > 0;
    const std::string name = share.empty() ? std::string(kUnscopedShare) : share;
    if (fair) {
      args.push_back(std::to_string(options_.share_window.count()));
      args.push_back(name);
    }
    const auto reply = fair ? client_->eval(kReserveFairSlot,
                                            {key_, keys.v7_bucket_index(), key_ + ":slots",
                                             key_ + ":shares", key_ + ":share:" + name},
                                            args)
                            : client_->eval(kReserveToken, {key_, keys.v7_bucket_index()}, args);
    if (reply.kind != redis::RedisValue::Kind::integer) {
      throw redis::ConnectionError("rate limiter script failed: " + reply.str);
    }
    if (fallback_) {
      fallback_ = false;
      obs::log_info("v7_rate_limiter_redis_back");
    }
    return std::chrono::milliseconds(std::max(0LL, reply.integer));
  } catch (const redis::ConnectionError& e) {
    if (!fallback_) {
      obs::log_warn("v7_rate_limiter_fallback")
          .field("reason", std::string(e.what()))
          .field("detail", "Redis unreachable: limiting this process alone until it is back");
    }
    fallback_ = true;
    retry_redis_at_ = now + options_.redis_retry_interval;
    return std::nullopt;
  }
}

std::optional<std::chrono::milliseconds> FleetRateLimiter::reserve(const std::string& share) {
  return reserve_in_redis(share);
}

std::chrono::milliseconds FleetRateLimiter::acquire() {
  if (auto wait = reserve_in_redis(ShareScope::current())) {
    if (wait->count() > 0) std::this_thread::sleep_for(*wait);
    return *wait;
  }
  return local_.acquire();
}

}  // namespace patchq::v7
