#include "common/redis/redis_value.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

namespace patchq::redis {

RedisValue RedisValue::from_reply(const redisReply* r) {
  RedisValue v;
  if (r == nullptr) return v;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      v.kind = Kind::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.kind = Kind::status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.kind = Kind::error;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.kind = Kind::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.kind = Kind::array;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(from_reply(r->element[i]));
      break;
    default:
      break;
  }
  return v;
}

LuaScript::LuaScript(std::string text) : text_(std::move(text)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text_.data()), text_.size(), digest);
  static const char* hex = "0123456789abcdef";
  for (unsigned char b : digest) {
    sha1_.push_back(hex[b >> 4]);
    sha1_.push_back(hex[b & 15]);
  }
}

}  // namespace patchq::redis
