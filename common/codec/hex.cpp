// Hex (see hex.hpp).
#include "common/codec/hex.hpp"

namespace patchq::codec {

std::string_view to_hex(const unsigned char* bytes, std::size_t size, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return std::string_view(out, 2 * size);
}

std::string to_hex(std::string_view bytes) {
  std::string out(2 * bytes.size(), '\0');
  to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

}  // namespace patchq::codec
