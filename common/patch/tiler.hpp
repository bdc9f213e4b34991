// Tiler: the patch engine's top level, called by the worker and by patchq-tile.
//   image header --plan (patch names, boxes, grids)--> image bytes --decode once (the whole
//   image, or for sparse patches on a JPEG only their rows and columns)--> ROI views
//   --encode (optionally on `jobs` threads, starting while a JPEG still decodes)--> tiles
// Two ways to receive tiles:
//   - all at once: cut_tiles(item, bytes, options) returns every tile in plan order
//     (annotation order, then row-major);
//   - streaming: cut_tiles(item, bytes, options, sink) hands each tile to `sink` as soon as it
//     is encoded, so uploads can overlap encoding. The sink is called one tile at a time
//     (calls are serialized), in completion order, from the encoding threads; returning false
//     stops the remaining work (status `cancelled`).
// Invariants: no exception escapes; tiles are ROI views of the single decoded image (or
// regions) until encoded; no tile reaches the sink before the whole decode has succeeded; a skipped
// annotation never fails the others; an image-level problem (format, size limit, decode) fails the
// whole call with a reason and no tiles.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/patch/decoded_budget.hpp"
#include "common/patch/image_decode.hpp"
#include "common/patch/image_header.hpp"
#include "common/patch/patch_plan.hpp"
#include "common/patch/pixel_rect.hpp"
#include "common/patch/tile_encoder.hpp"
#include "common/webhook/item.hpp"

namespace patchq::patch {

inline constexpr std::size_t kLoggedSkips = 5;

struct TileOptions {
  PatchRules patches;
  EncodeOptions encode;
  std::int64_t max_pixels = kDefaultMaxPixels;
  std::uint64_t max_decoded_bytes = kDefaultMaxDecodedBytes;
  bool apply_exif_orientation = true;
  int jobs = 1;  // encoding threads; 1 encodes in the caller's thread
  // Sparse patches on a baseline JPEG: decode only the rows and columns they need (see
  // docs/ENGINE.md); false always decodes the whole image.
  bool partial_decode = true;
  // Log skipped patch annotations (stderr, JSON): the first kLoggedSkips one line each, then
  // one "patches_skipped" line summarising all of them.
  bool log_skips = true;
  // > 0: also make a JPEG thumbnail of each tile, its longer side at most this many pixels
  // (read-only external storage, where V7 does not make thumbnails itself).
  int thumbnail_max_side = 0;
  // A process-wide budget of decoded bytes shared with the other jobs of the process (a worker
  // with jobs in flight): before decoding, the tiler reserves what the header says the decode
  // takes (decode_reservation_bytes) and waits its turn; released when the call returns. Null:
  // no budget (patchq-tile).
  std::shared_ptr<DecodedBudget> decoded_budget;
};

// What a decode holds at its peak, known from the header alone: the decoded image, the copy
// an EXIF rotation makes, a progressive JPEG's coefficients; for a region decode (`regions` >
// 0) the bands' bytes instead of the image's. At most max_decoded_bytes (the decode refuses
// more).
std::uint64_t decode_reservation_bytes(const ImageHeader& header, bool orient,
                                       std::uint64_t region_bytes, std::uint64_t max_decoded_bytes);

struct Tile {
  std::string name;  // <item-stem>_<annotation-id>_r<row>c<col>.<ext>
  std::vector<unsigned char> bytes;
  std::string annotation_id;
  int row = 0;
  int col = 0;
  PixelRect rect;                        // in the decoded (upright) image
  std::vector<unsigned char> thumbnail;  // JPEG, when TileOptions::thumbnail_max_side > 0
};

struct TileTimings {
  double budget_wait_ms = 0;  // waiting for TileOptions::decoded_budget (not in decode_ms)
  double decode_ms = 0;  // header check + decode + orientation (overlaps encode_ms with jobs > 1)
  double tile_ms = 0;    // planning and cutting the ROI views
  double encode_ms = 0;  // wall time of the encoding phase (sink calls included when streaming)
  double total_ms = 0;   // wall time of the whole call, header check to the last tile
};

enum class TileStatus {
  ok,
  unsupported_format,
  bad_header,
  too_many_pixels,
  too_many_bytes,
  decode_failed,
  unsupported_pixels,
  encode_failed,
  cancelled,
  budget_timeout,  // waited TileOptions::decoded_budget's longest wait; worth retrying later
};
const char* status_name(TileStatus status);  // "ok", "unsupported_format", ...

struct TileResult {
  TileStatus status = TileStatus::ok;
  std::string error;  // one line, set when !ok()
  ImageFormat source_format = ImageFormat::unknown;
  ImageSize image_size;  // decoded, after orientation
  int channels = 0;
  int bit_depth = 0;  // 8 or 16
  int orientation_applied = 1;
  int decoded_regions = 0;  // > 0: only these bands of the image were decoded; 0: all of it
  std::vector<Tile> tiles;  // all-at-once mode only
  std::vector<SkippedAnnotation> skipped;
  std::int64_t tile_count = 0;   // tiles encoded (and accepted by the sink when streaming)
  std::uint64_t tile_bytes = 0;  // their encoded size
  TileTimings timings;
  bool ok() const { return status == TileStatus::ok; }
};

using TileSink = std::function<bool(Tile&& tile)>;

TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options);
// `stop` (may be empty) ends a wait for the decoded-bytes budget (status `cancelled`): the
// worker's shutdown or a lost lease.
TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options, const TileSink& sink,
                     const std::function<bool()>& stop = {});

}  // namespace patchq::patch
