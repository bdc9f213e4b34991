// RedisValue: an owned copy of one Redis reply (hiredis frees its own tree right after), and
// LuaScript: a script's text with its SHA1, so callers run EVALSHA and fall back to EVAL once.
#pragma once

#include <string>
#include <vector>

struct redisReply;

namespace patchq::redis {

struct RedisValue {
  enum class Kind { nil, string, integer, array, status, error } kind = Kind::nil;
  std::string str;  // string, status and error text
  long long integer = 0;
  std::vector<RedisValue> elements;

  bool is_nil() const { return kind == Kind::nil; }
  bool is_error() const { return kind == Kind::error; }
  bool is_array() const { return kind == Kind::array; }

  static RedisValue from_reply(const redisReply* reply);
};

class LuaScript {
 public:
  explicit LuaScript(std::string text);
  const std::string& text() const { return text_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string text_;
  std::string sha1_;  // lower-case hex, what EVALSHA takes
};

}  // namespace patchq::redis
