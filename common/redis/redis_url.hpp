// RedisEndpoint: where Redis is, parsed from a redis:// URL (redis://[:password@]host[:port][/db]).
// The password is kept for AUTH but never appears in describe(), which is what logs print.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.hpp"

namespace patchq::redis {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;          // ACL user (Redis 6+), optional
  std::string password;          // optional
  std::string describe() const;  // "redis://host:port/db", with the password masked
};

// The commands a new connection sends before anything else: AUTH when a password is set,
// SELECT when the database is not 0. Shared by the sync and the async client.
std::vector<std::vector<std::string>> connection_setup_commands(const RedisEndpoint& endpoint);

// The endpoint, or the reason the URL is unusable (the reason never holds the password).
Result<RedisEndpoint> parse_redis_url(std::string_view url);

}  // namespace patchq::redis
