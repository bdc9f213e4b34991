// legacy_item_id (declared in payload_parser.hpp): a stable item id for legacy payloads, which
// carry none. Invariant: the same file url (ignoring its query string and fragment) always
// gives the same id, on every machine and build (FNV-1a 64 is fully specified).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/webhook/payload_parser.hpp"

namespace patchq::webhook {

std::string legacy_item_id(std::string_view file_url) {
  const auto cut = file_url.find_first_of("?#");
  if (cut != std::string_view::npos) file_url = file_url.substr(0, cut);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : file_url) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "legacy-";
  for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(hash >> shift) & 0xF];
  return id;
}

}  // namespace patchq::webhook
