// Hmac: HMAC-SHA256 over one or more byte strings (Standard Webhooks signatures, the V7
// stand-in's signed URLs). The algorithm is fetched from OpenSSL once per process.
// Invariant: thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/codec/sha256.hpp"

namespace patchq::codec {

// HMAC-SHA256 under `key` of the concatenation of `parts`.
Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);
// Its lower-case hex (64 characters).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace patchq::codec
