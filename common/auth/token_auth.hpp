// TokenAuth: the shared-token check for incoming webhooks. V7's webhook stage sends its
// configured "authorization header" value verbatim as Authorization; operators commonly set it
// to "Bearer <token>" or to the bare token, so both forms are accepted.
//
// Invariants:
//   - The token is kept only as its SHA-256 digest; comparisons are CRYPTO_memcmp over two
//     equal-length digests, so neither the token's length nor the position of the first
//     differing byte shows in the timing. The work done depends on the header's length only.
//   - Nothing here logs or returns the token or the presented value.
#pragma once

#include <array>
#include <string_view>

namespace patchq::auth {

class TokenAuth {
 public:
  // Precondition: `token` is not empty (an empty token would accept an empty header).
  explicit TokenAuth(std::string_view token);

  // True when `authorization` (the header's value, possibly empty) is "<token>" or
  // "Bearer <token>" (scheme case-insensitive; surrounding spaces ignored).
  bool accepts(std::string_view authorization) const;

 private:
  std::array<unsigned char, 32> digest_;
};

// Constant-time equality of two byte strings of any lengths, by comparing their SHA-256 digests.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace patchq::auth
