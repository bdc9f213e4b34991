// What the simulator adds to common/codec: constant-time comparison of signed tokens and
// random ids (V7 uses UUIDs for items and uploads).
#pragma once

#include <string>
#include <string_view>

namespace patchq::v7sim {

// Constant-time equality of two strings (length is not secret).
bool equal_constant_time(std::string_view a, std::string_view b);
std::string random_hex(std::size_t bytes);
std::string random_uuid();  // version 4

}  // namespace patchq::v7sim
