// See tile_grid.hpp.
#include "common/patch/tile_grid.hpp"

namespace patchq::patch {

std::optional<std::string> grid_problem(const PixelRect& box, GridSize grid) {
  if (grid.rows < 1 || grid.cols < 1) return "grid must have at least one row and one column";
  if (grid.rows > box.h || grid.cols > box.w) {
    return "grid " + std::to_string(grid.rows) + "x" + std::to_string(grid.cols) +
           " is finer than the " + std::to_string(box.w) + "x" + std::to_string(box.h) +
           " px box (a tile would be empty)";
  }
  return std::nullopt;
}

}  // namespace patchq::patch
