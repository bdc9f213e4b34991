// Base64: standard base64 (RFC 4648 §4) on OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock, for
// direct_upload bodies, webhook signing secrets and signatures.
// Invariant: base64_encode(x).size() == base64_size(x.size()); base64_decode(base64_encode(x))
// == x for every x.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::codec {

// With padding.
std::string base64_encode(std::string_view bytes);

// Size of base64_encode's output for `n` bytes, without encoding.
inline std::size_t base64_size(std::size_t n) {
  return (n + 2) / 3 * 4;
}

// Padding optional; nullopt for any character outside the alphabet (whitespace included) or a
// length no encoding has.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace patchq::codec
