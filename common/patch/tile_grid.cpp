// See tile_grid.hpp.
#include "common/patch/tile_grid.hpp"

namespace patchq::patch {

Status check_grid(const PixelRect& box, GridSize grid) {
  if (grid.rows < 1 || grid.cols < 1) return fail("grid must have at least one row and one column");
  if (grid.rows > box.h || grid.cols > box.w) {
    return fail("grid " + std::to_string(grid.rows) + "x" + std::to_string(grid.cols) +
                " is finer than the " + std::to_string(box.w) + "x" + std::to_string(box.h) +
                " px box (a tile would be empty)");
  }
  return ok_status();
}

}  // namespace patchq::patch
