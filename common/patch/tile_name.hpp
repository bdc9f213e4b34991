// Deterministic tile names: <item-stem>_<annotation-id>_<box-key>_r<row>c<col>.<ext>
//   - stem: the item name minus its last extension (the text after the last '.', unless that
//     dot starts the name), everything else kept as is, spaces and other dots included;
//   - the whole annotation id (V7's ids are time-ordered UUIDs whose first characters repeat);
//   - box key: 8 hex digits naming the patch's geometry (its pixel box in the upright image and
//     its grid), so a box an annotator moved or resized, or a grid changed from 2x2 to 3x3,
//     makes new tiles instead of being taken for the old ones (V7 answers ALREADY_EXISTS by
//     name); an edit that moves no pixel boundary keeps the names;
//   - row and column count from 0.
// In stem and id, '/' and control characters (< 0x20, 0x7F) become '_', so a name is always
// one path component. The stem is cut to kMaxStemBytes (on a UTF-8 character boundary) so the
// whole name stays under the usual 255-byte file-name limit; ids are bounded by the planner.
// Invariant: the same (item name, annotation id, box, grid, row, col, ext) always gives the
// same name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/patch/patch_name.hpp"
#include "common/patch/pixel_rect.hpp"

namespace patchq::patch {

inline constexpr std::size_t kMaxStemBytes = 150;

std::string item_stem(std::string_view item_name);
// 8 lower-case hex digits: FNV-1a (64-bit, folded to 32) of the box and grid as decimal text.
// An identity, not a secret: two versions of one annotation collide once in ~4 billion.
std::string box_key(const PixelRect& box, GridSize grid);
std::string tile_name(std::string_view stem, std::string_view annotation_id,
                      std::string_view box_key, int row, int col, std::string_view extension);

}  // namespace patchq::patch
