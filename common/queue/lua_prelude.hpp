// Lua functions shared by the queue's scripts, prepended to each script's text.
// Internal to common/queue. Every function takes its keys as arguments, so the scripts that
// use them still declare those keys in KEYS.
#pragma once

namespace patchq::queue {

inline constexpr const char* kLuaPrelude = R"lua(
-- Redis' clock in ms: every worker and every script agrees on "now".
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- A number as a whole-number string (Lua would print 1.7e+12).
local function ms(n)
  return string.format('%.0f', n)
end
-- True when `consumer` owns pending entry `id`: only the lease holder may change a job.
local function owns(stream, group, id, consumer)
  return #redis.call('XPENDING', stream, group, id, id, 1, consumer) > 0
end
-- Adds n to `field` of the current minute's counters (key: `prefix` .. minute number), which
-- expire after an hour (kMinuteCounterTtlSeconds), so they stay bounded without a janitor.
local function count_minute(prefix, now, field, n)
  local key = prefix .. ms(math.floor(now / 60000))
  redis.call('HINCRBY', key, field, n)
  redis.call('EXPIRE', key, 3600)
end
-- The job left the stream: ack its entry and delete it, so XLEN counts live entries only.
local function drop_entry(stream, group, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
end
)lua";

}  // namespace patchq::queue
