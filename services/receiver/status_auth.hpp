// AdminAuth: who may see the status page and its API and act on dead letters. The admin token
// (--admin-token) is separate from the webhook's; a request proves it either with
// "Authorization: Bearer <token>" (scripts, curl) or with the session cookie the login form
// sets (browsers). Actions (POST) sent with the cookie must also carry the CSRF token, which
// the page puts into its forms: a cross-site form can send the cookie (were SameSite not
// honoured) but cannot read the page, so it cannot know the CSRF token.
//
// Invariants: the token itself is never stored in a cookie, a page or a log: the cookie and
// the CSRF token are HMACs of it, so they change when the token does. Every comparison is
// constant-time (auth::equal_in_constant_time).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/auth/token_auth.hpp"
#include "common/http/message.hpp"

namespace patchq::receiver {

inline constexpr std::string_view kAdminCookie = "patchq_admin";

class AdminAuth {
 public:
  enum class Via { none, header, cookie };

  // Precondition: `token` is not empty.
  explicit AdminAuth(std::string_view token);

  // How the request proved the token, or none.
  Via check(const http::Request& request) const;
  // The token as typed into the login form.
  bool accepts_token(std::string_view presented) const;
  bool csrf_matches(std::string_view presented) const;

  const std::string& csrf_token() const { return csrf_; }
  // The Set-Cookie value that logs a browser in (HttpOnly, SameSite=Strict, 12 h).
  std::string login_cookie() const;
  static std::string logout_cookie();

 private:
  auth::TokenAuth token_;
  std::string session_;  // the cookie's value
  std::string csrf_;
};

// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace patchq::receiver
