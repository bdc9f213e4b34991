// StreetImage: a generated source image with recognisable content (a colour gradient, a
// numbered grid of blocks, circles and a caption), so a tile shows where it came from and a
// misplaced ROI changes its pixels. Deterministic for a given size.
#pragma once

#include <string>

namespace patchq::e2e {

// The image encoded as JPEG (quality 92).
std::string street_image_jpeg(int width, int height);

}  // namespace patchq::e2e
