// TileFlags: the patch engine's settings as command-line flags, shared by every program that
// tiles (patchq-tile, patchq-worker), so the same rules have the same names everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/config/flag_set.hpp"
#include "common/patch/tiler.hpp"
#include "common/result/result.hpp"

namespace patchq::patch {

struct TileFlags {
  std::string format = "png";
  std::int64_t quality = 90;
  std::int64_t jobs = 1;
  std::int64_t max_pixels = kDefaultMaxPixels;
  std::uint64_t max_decoded_bytes = kDefaultMaxDecodedBytes;
  std::string keywords = "patch,crop";
  std::int64_t max_grid = 64;
  std::int64_t keypoint_size = 500;
  std::int64_t max_tiles = 10'000;
  bool exif_orientation = true;
};

// --format, --quality, --jobs, --max-pixels, --max-decoded-bytes, --keywords, --max-grid,
// --keypoint-size, --max-tiles, --exif-orientation, each with a PATCHQ_* environment fallback.
void add_tile_flags(config::FlagSet& flags, TileFlags& values);

// Only the flags of which annotations become patches and how many tiles they make
// (--keywords, --max-grid, --keypoint-size, --max-tiles), for programs that plan without
// tiling (patchqctl enqueue-export --dry-run); add_tile_flags includes them.
void add_patch_rule_flags(config::FlagSet& flags, TileFlags& values);

// The engine options the flags describe, or the reason a value is invalid.
Result<TileOptions> to_tile_options(const TileFlags& values);
// The patch rules alone (what add_patch_rule_flags sets), or the reason a value is invalid.
Result<PatchRules> to_patch_rules(const TileFlags& values);

}  // namespace patchq::patch
