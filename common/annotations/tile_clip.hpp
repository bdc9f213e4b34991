// Clipping carried annotations to a tile, then shifting them into the tile's coordinates.
// Rules (docs/ENGINE.md, "Annotations carried into tiles"):
//   - box: intersected with the tile; nothing left (zero width or height) -> dropped
//   - keypoint: kept when inside the half-open tile [x0, x1) x [y0, y1), so a point on a
//     border between two tiles goes to exactly one of them
//   - tag: an item-level tag applies to every tile
//   - polygon: each path is clipped on its own (Sutherland-Hodgman against the tile's four
//     edges; the tile is convex, so this is exact for the filled region). Clipping each path
//     alone keeps the even-odd rule: (A xor B) inside the tile = (A inside) xor (B inside).
//     A path that leaves the tile and comes back yields one path whose parts are joined by
//     edges running along the tile's border, there and back: they enclose no area and do
//     not change which pixels are inside, but V7 draws them as a hairline on the border.
//     Paths that enclose (almost) no area after clipping are dropped, and the polygon with
//     them when none is left. The polygon's bounding_box is the exact bounds of its filled
//     region inside the tile (not of the joining edges).
// Names, slots and sub-annotations are kept; the id is carried_annotation_id(source, tile).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/annotations/shape.hpp"

namespace patchq::annotations {

// A tile's rectangle in the item's pixels: [x0, x1) x [y0, y1), x0 < x1, y0 < y1.
struct TileRect {
  double x0 = 0;
  double y0 = 0;
  double x1 = 0;
  double y1 = 0;
};

// Paths whose clipped area is below this (in square pixels) are dropped.
inline constexpr double kMinPathArea = 1e-6;

// The annotation clipped to `tile` in the tile's coordinates (origin at x0, y0), or nullopt
// when nothing of it lies in the tile. The id is left as it is.
std::optional<CarriedAnnotation> clip_to_tile(const CarriedAnnotation& annotation,
                                              const TileRect& tile);

// Every annotation that overlaps the tile, clipped, with ids made for the tile.
std::vector<CarriedAnnotation> annotations_for_tile(const std::vector<CarriedAnnotation>& source,
                                                    const TileRect& tile,
                                                    std::string_view tile_name);

// One path clipped to the rectangle (item coordinates), consecutive duplicates removed.
Path clip_path(const Path& path, const TileRect& tile);
// Shoelace area, positive for counter-clockwise in a y-up frame.
double signed_area(const Path& path);
// Exact bounds of the even-odd region of `paths` inside `tile` (item coordinates): the
// extremes among path vertices inside, edge crossings of the border and tile corners inside
// the region. nullopt when the paths do not reach into the tile.
std::optional<Box> region_bounds(const std::vector<Path>& paths, const TileRect& tile);

}  // namespace patchq::annotations
