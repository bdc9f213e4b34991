// TileGrid: a patch box split into rows x cols tiles with boundaries
//   x_i = x + floor(i * W / M),  y_j = y + floor(j * H / N)
// so tiles cover every pixel of the box exactly once, never overlap, and differ in size by at
// most 1 px. Invariant (checked by check_grid before building one): rows <= H and cols <= W,
// so no tile is empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/patch/patch_name.hpp"
#include "common/patch/pixel_rect.hpp"
#include "common/result/result.hpp"

namespace patchq::patch {

// ok when `grid` can split `box`; else why not (a grid finer than the box in pixels).
Status check_grid(const PixelRect& box, GridSize grid);

class TileGrid {
 public:
  // Precondition: check_grid(box, grid) is ok.
  TileGrid(PixelRect box, GridSize grid) : box_(box), grid_(grid) {}

  int rows() const { return grid_.rows; }
  int cols() const { return grid_.cols; }
  std::int64_t count() const { return std::int64_t{grid_.rows} * grid_.cols; }

  // Row and column count from 0; row 0 is the top, column 0 the left.
  PixelRect tile(int row, int col) const {
    const std::int64_t x0 = box_.x + col * box_.w / grid_.cols;
    const std::int64_t x1 = box_.x + (col + 1) * box_.w / grid_.cols;
    const std::int64_t y0 = box_.y + row * box_.h / grid_.rows;
    const std::int64_t y1 = box_.y + (row + 1) * box_.h / grid_.rows;
    return PixelRect{x0, y0, x1 - x0, y1 - y0};
  }

 private:
  PixelRect box_;
  GridSize grid_;
};

}  // namespace patchq::patch
