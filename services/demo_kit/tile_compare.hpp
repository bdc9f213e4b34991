// Tile comparison: every tile in `expected` must exist in `actual` with identical pixels
// (decoded, so two encoders that differ in bytes but agree in pixels still match), and
// `actual` must hold no tile that `expected` lacks. This is the demo's proof of correctness.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace patchq::demo {

struct TileComparison {
  int matched = 0;
  std::vector<std::string> missing;     // expected, not delivered
  std::vector<std::string> unexpected;  // delivered, not expected
  std::vector<std::string> different;   // delivered with other pixels (with the reason)
  bool ok() const { return missing.empty() && unexpected.empty() && different.empty(); }
};

TileComparison compare_tiles(const std::filesystem::path& expected,
                             const std::filesystem::path& actual);

}  // namespace patchq::demo
