// The one-line JSON summary patchq-tile prints on stdout after a successful run.
#pragma once

#include <string>
#include <string_view>

#include "common/patch/tiler.hpp"
#include "common/webhook/item.hpp"

namespace patchq::tile {

// {"item_id", "image": {format, width, height, channels, bit_depth, orientation_applied},
//  "format", "tiles", "bytes", "skipped": [{annotation_id, annotation, reason}],
//  "decode_ms", "tile_ms", "encode_ms", "out"}
std::string summary_json(const webhook::Item& item, const patch::TileResult& result,
                         std::string_view tile_format, std::string_view out_dir);

}  // namespace patchq::tile
