// Hex: lower-case hexadecimal of bytes, two characters a byte (digests, tokens, ids).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace patchq::codec {

std::string to_hex(std::string_view bytes);
// The same into `out`, which holds 2 * size characters; no allocation. Returns the text.
std::string_view to_hex(const unsigned char* bytes, std::size_t size, char* out);

}  // namespace patchq::codec
