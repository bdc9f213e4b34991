// Sha256: SHA-256 over one or more byte strings: the receiver's hot path (token check,
// delivery hash), the fleet rate limiter's key, the V7 stand-in's item digests. OpenSSL 3's
// one-shot SHA256() looks the algorithm up in its provider table on every call, which costs
// more than hashing a short token; this fetches it once per process and keeps one digest
// context per thread.
// Invariant: sha256() is thread-safe (per-thread state) and never allocates after first use.
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>

namespace patchq::codec {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of the concatenation of `parts`.
Sha256Digest sha256(std::initializer_list<std::string_view> parts);

// Lower-case hex of a digest (64 characters), into `out`.
std::string_view to_hex(const Sha256Digest& digest, std::array<char, 64>& out);
// Lower-case hex of the SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace patchq::codec
