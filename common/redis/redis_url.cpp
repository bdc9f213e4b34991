#include "common/redis/redis_url.hpp"

#include <charconv>

namespace patchq::redis {
namespace {

bool parse_int(std::string_view text, int min, int max, int* out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string RedisEndpoint::describe() const {
  std::string auth = password.empty() ? "" : (username.empty() ? ":***@" : username + ":***@");
  return "redis://" + auth + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::vector<std::vector<std::string>> connection_setup_commands(const RedisEndpoint& ep) {
  std::vector<std::vector<std::string>> setup;
  if (!ep.password.empty()) {
    if (ep.username.empty()) {
      setup.push_back({"AUTH", ep.password});
    } else {
      setup.push_back({"AUTH", ep.username, ep.password});
    }
  }
  if (ep.db != 0) setup.push_back({"SELECT", std::to_string(ep.db)});
  return setup;
}

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) {
    return fail("redis URL must start with redis:// (rediss:// is not supported)");
  }
  std::string_view rest = url.substr(scheme.size());
  RedisEndpoint ep;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      ep.username = std::string(userinfo.substr(0, colon));
      ep.password = std::string(userinfo.substr(colon + 1));
    } else {
      ep.password = std::string(userinfo);
    }
  }
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_int(db, 0, 65535, &ep.db)) {
      return fail("redis URL database must be a number, got '" + std::string(db) + "'");
    }
  }
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    if (!parse_int(hostport.substr(colon + 1), 1, 65535, &ep.port)) {
      return fail("redis URL port must be 1..65535, got '" +
                  std::string(hostport.substr(colon + 1)) + "'");
    }
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return fail("redis URL has no host");
  ep.host = std::string(hostport);
  return ep;
}

}  // namespace patchq::redis
