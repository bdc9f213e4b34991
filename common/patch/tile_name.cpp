// See tile_name.hpp.
#include "common/patch/tile_name.hpp"

namespace patchq::patch {
namespace {

void append_safe(std::string& out, std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c == '/' || c < 0x20 || c == 0x7F) ? '_' : ch;
  }
}

}  // namespace

std::string item_stem(std::string_view item_name) {
  const std::size_t dot = item_name.rfind('.');
  const std::size_t slash = item_name.rfind('/');
  const bool has_extension = dot != std::string_view::npos && dot > 0 &&
                             (slash == std::string_view::npos || dot > slash + 1);
  std::string_view stem = has_extension ? item_name.substr(0, dot) : item_name;
  if (stem.size() > kMaxStemBytes) {
    std::size_t cut = kMaxStemBytes;
    while (cut > 0 && (static_cast<unsigned char>(stem[cut]) & 0xC0) == 0x80) --cut;
    stem = stem.substr(0, cut);
  }
  std::string out;
  out.reserve(stem.size());
  append_safe(out, stem);
  return out;
}

std::string box_key(const PixelRect& box, GridSize grid) {
  const std::string text = std::to_string(box.x) + "," + std::to_string(box.y) + "," +
                           std::to_string(box.w) + "," + std::to_string(box.h) + "/" +
                           std::to_string(grid.rows) + "x" + std::to_string(grid.cols);
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  const auto folded = static_cast<std::uint32_t>(hash ^ (hash >> 32));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = kHex[(folded >> (28 - 4 * i)) & 0xF];
  return out;
}

std::string tile_name(std::string_view stem, std::string_view annotation_id,
                      std::string_view box_key, int row, int col, std::string_view extension) {
  std::string out;
  out.reserve(stem.size() + annotation_id.size() + box_key.size() + extension.size() + 17);
  out.append(stem);
  out += '_';
  append_safe(out, annotation_id);
  out += '_';
  append_safe(out, box_key);
  out += "_r";
  out += std::to_string(row);
  out += 'c';
  out += std::to_string(col);
  out += '.';
  out.append(extension);
  return out;
}

}  // namespace patchq::patch
