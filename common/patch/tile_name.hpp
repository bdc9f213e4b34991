// Deterministic tile names: <item-stem>_<annotation-id>_r<row>c<col>.<ext>
// (multi-slot items: <item-stem>_<slot-name>_<annotation-id>_r<row>c<col>.<ext>, tile_stem)
//   - stem: the item name minus its last extension (the text after the last '.', unless that
//     dot starts the name), everything else kept as is, spaces and other dots included;
//   - the whole annotation id (V7's ids are time-ordered UUIDs whose first characters repeat);
//   - row and column count from 0.
// In stem and id, '/' and control characters (< 0x20, 0x7F) become '_', so a name is always
// one path component. The stem is cut to kMaxStemBytes (on a UTF-8 character boundary) so the
// whole name stays under the usual 255-byte file-name limit; ids are bounded by the planner.
// Invariant: the same (item name, annotation id, row, col, ext) always gives the same name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/webhook/item.hpp"

namespace patchq::patch {

inline constexpr std::size_t kMaxStemBytes = 150;

std::string item_stem(std::string_view item_name);
// The stem of an item's tiles: item_stem(item.name), and for an item with more than one image
// slot "_" + the slot's name (cut to kMaxSlotBytes), so the tiles of each slot stay apart and
// say where they came from; single-slot items keep the plain stem.
inline constexpr std::size_t kMaxSlotBytes = 32;
std::string tile_stem(const webhook::Item& item);
std::string tile_name(std::string_view stem, std::string_view annotation_id, int row, int col,
                      std::string_view extension);

}  // namespace patchq::patch
