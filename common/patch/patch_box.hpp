// Patch box math: an annotation's float geometry -> the whole-pixel box to tile, inside the
// image. Rules (see docs/ENGINE.md):
//   - edges are rounded (half up, floor(v + 0.5)), not x and w separately, so a box's pixel
//     size depends only on where its edges fall;
//   - a keypoint gives a keypoint_size x keypoint_size box centred on the point;
//   - per axis, a box sticking out of the image is shifted back inside when it fits, and
//     clipped to the image when it is larger than the image;
//   - a box with no pixel inside the image, or empty after rounding, is refused with a reason.
// Invariant of every returned box: 0 <= x, 0 <= y, w >= 1, h >= 1, right() <= width,
// bottom() <= height.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/patch/pixel_rect.hpp"
#include "common/webhook/item.hpp"

namespace patchq::patch {

struct BoxRules {
  std::int64_t keypoint_size = 500;  // side of the square box a keypoint patch gets
};

struct BoxPlacement {
  std::optional<PixelRect> box;  // set on success
  std::string reason;            // why there is no box otherwise
};

BoxPlacement place_box(const webhook::Geometry& geometry, ImageSize image, const BoxRules& rules);

}  // namespace patchq::patch
