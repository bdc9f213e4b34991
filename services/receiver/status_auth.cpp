// AdminAuth (see status_auth.hpp).
#include "services/receiver/status_auth.hpp"

#include <boost/beast/http/field.hpp>

#include "common/codec/hmac.hpp"

namespace patchq::receiver {

AdminAuth::AdminAuth(std::string_view token)
    : token_(token),
      session_(codec::hmac_sha256_hex(token, "patchq admin session v1")),
      csrf_(codec::hmac_sha256_hex(token, "patchq admin csrf v1")) {}

AdminAuth::Via AdminAuth::check(const http::Request& request) const {
  namespace bhttp = boost::beast::http;
  const auto authorization = request.find(bhttp::field::authorization);
  if (authorization != request.end() && !authorization->value().empty()) {
    return token_.accepts(authorization->value()) ? Via::header : Via::none;
  }
  for (auto it = request.find(bhttp::field::cookie);
       it != request.end() && it->name() == bhttp::field::cookie; ++it) {
    if (const auto value = cookie_value(it->value(), kAdminCookie)) {
      if (auth::equal_in_constant_time(*value, session_)) return Via::cookie;
    }
  }
  return Via::none;
}

bool AdminAuth::accepts_token(std::string_view presented) const {
  return !presented.empty() && token_.accepts(presented);
}

bool AdminAuth::csrf_matches(std::string_view presented) const {
  return auth::equal_in_constant_time(presented, csrf_);
}

std::string AdminAuth::login_cookie() const {
  return std::string(kAdminCookie) + "=" + session_ +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200";
}

std::string AdminAuth::logout_cookie() {
  return std::string(kAdminCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace patchq::receiver
