// Reading Redis replies into plain values: integers that may arrive as integers or as strings,
// and the flat [field, value, field, value, ...] lists of hashes, stream entries and XINFO.
// Internal to common/queue; malformed replies read as 0 / empty, never throw.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/redis/redis_value.hpp"

namespace patchq::queue {

std::int64_t reply_int(const redis::RedisValue& value);
std::int64_t parse_int(const std::string& text);  // 0 when not a whole number
std::map<std::string, std::string> reply_fields(const redis::RedisValue& flat_list);
// The millisecond part of a stream id ("1700000000000-3" -> 1700000000000).
std::int64_t stream_id_ms(const std::string& id);

}  // namespace patchq::queue
