// Reading Redis replies into plain values (see reply_fields.hpp).
#include "common/queue/reply_fields.hpp"

#include <charconv>

namespace patchq::queue {

std::int64_t parse_int(const std::string& text) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return out;
}

std::int64_t reply_int(const redis::RedisValue& value) {
  if (value.kind == redis::RedisValue::Kind::integer) return value.integer;
  return parse_int(value.str);
}

std::map<std::string, std::string> reply_fields(const redis::RedisValue& flat_list) {
  std::map<std::string, std::string> out;
  const auto& e = flat_list.elements;
  for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
    const auto& v = e[i + 1];
    out[e[i].str] = v.kind == redis::RedisValue::Kind::integer ? std::to_string(v.integer) : v.str;
  }
  return out;
}

std::int64_t stream_id_ms(const std::string& id) {
  return parse_int(id.substr(0, id.find('-')));
}

}  // namespace patchq::queue
