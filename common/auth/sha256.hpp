// Sha256: SHA-256 over one or more byte strings, for the receiver's hot path (token check,
// delivery hash). OpenSSL 3's one-shot SHA256() looks the algorithm up in its provider table on
// every call, which costs more than hashing a short token; this fetches it once per process and
// keeps one digest context per thread.
// Invariant: digest() is thread-safe (per-thread state) and never allocates after first use.
#pragma once

#include <array>
#include <initializer_list>
#include <string_view>

namespace patchq::auth {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of the concatenation of `parts`.
Sha256Digest sha256(std::initializer_list<std::string_view> parts);

// Lower-case hex of a digest (64 characters).
std::string_view to_hex(const Sha256Digest& digest, std::array<char, 64>& out);

}  // namespace patchq::auth
