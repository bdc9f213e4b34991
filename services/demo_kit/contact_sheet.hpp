// Contact sheet: the tiles of each annotation laid out in their grid (row r, column c from
// the tile names "<stem>_<annotation-id>_r<row>c<col>.<ext>"), one block per annotation, with
// a thin gap between tiles so the cuts are visible. Tiles are scaled down to fit a sheet width.
#pragma once

#include <filesystem>
#include <string>

namespace patchq::demo {

struct ContactSheetResult {
  int annotations = 0;
  int tiles = 0;
  std::string error;  // empty on success
};

ContactSheetResult write_contact_sheet(const std::filesystem::path& tiles_dir,
                                       const std::filesystem::path& out_png, int sheet_width);

}  // namespace patchq::demo
