// TokenAuth (see token_auth.hpp).
#include "common/auth/token_auth.hpp"

#include <openssl/crypto.h>

#include <cassert>

#include "common/codec/sha256.hpp"

namespace patchq::auth {
namespace {

using Digest = codec::Sha256Digest;

Digest digest_of(std::string_view text) {
  return codec::sha256({text});
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The credentials after a "Bearer " scheme, or the whole value when there is no such scheme.
std::string_view after_bearer(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    return value;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = static_cast<char>(value[i] | 0x20);  // ASCII lower-case
    if (c != kScheme[i]) return value;
  }
  return trim(value.substr(kScheme.size()));
}

}  // namespace

TokenAuth::TokenAuth(std::string_view token) : digest_(digest_of(token)) {
  assert(!token.empty());
}

bool TokenAuth::accepts(std::string_view authorization) const {
  const std::string_view whole = trim(authorization);
  if (whole.empty()) return false;  // says nothing about the token: no compare needed
  // Both candidates are always hashed and compared, and the results combined without
  // short-circuit, so timing does not depend on which form matched.
  const Digest verbatim = digest_of(whole);
  const Digest bearer = digest_of(after_bearer(whole));
  const int verbatim_differs = CRYPTO_memcmp(verbatim.data(), digest_.data(), digest_.size());
  const int bearer_differs = CRYPTO_memcmp(bearer.data(), digest_.data(), digest_.size());
  return (verbatim_differs == 0) | (bearer_differs == 0);
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  const Digest da = digest_of(a);
  const Digest db = digest_of(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace patchq::auth
