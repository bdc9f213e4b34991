// Whole-pixel geometry shared by the box math, the grid and the tiler. 64-bit on purpose: box
// edges computed from payload floats (bounded by the parser to ±1e9) and products such as
// width x height never overflow.
#pragma once

#include <cstdint>

namespace patchq::patch {

struct ImageSize {
  std::int64_t width = 0;
  std::int64_t height = 0;
  bool operator==(const ImageSize&) const = default;
};

// Half-open: covers columns [x, x + w) and rows [y, y + h).
struct PixelRect {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t w = 0;
  std::int64_t h = 0;
  std::int64_t right() const { return x + w; }
  std::int64_t bottom() const { return y + h; }
  bool operator==(const PixelRect&) const = default;
};

}  // namespace patchq::patch
