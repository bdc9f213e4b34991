#include "common/annotations/carried_id.hpp"

#include "common/codec/sha256.hpp"

namespace patchq::annotations {

std::string carried_annotation_id(std::string_view source_id, std::string_view name,
                                  std::string_view tile_name) {
  // Length-prefixed parts: no two inputs hash the same bytes.
  const std::string a = std::to_string(source_id.size());
  const std::string b = std::to_string(name.size());
  codec::Sha256Digest d =
      codec::sha256({"patchq carried annotation\n", a, ":", source_id, b, ":", name, tile_name});
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x80);  // version 8
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);  // RFC 9562 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0x0f]);
  }
  return out;
}

}  // namespace patchq::annotations
