// Byte codecs the simulator needs: base64 (direct_upload bodies), hex digests (item sha256,
// signed tokens) and random ids (V7 uses UUIDs for items and uploads).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace patchq::v7sim {

// Standard base64 (RFC 4648 §4); padding optional; nullopt for any other character.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);  // with padding
std::string sha256_hex(std::string_view bytes);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// Constant-time equality of two strings (length is not secret).
bool equal_constant_time(std::string_view a, std::string_view b);
std::string random_hex(std::size_t bytes);
std::string random_uuid();  // version 4

}  // namespace patchq::v7sim
