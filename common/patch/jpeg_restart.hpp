// Restart intervals of a baseline JPEG, found from its markers alone (no entropy decoding), and
// excerpts of whole intervals as JPEG files of their own. A region decode uses them to skip the
// entropy-coded data between patches, which jpeg_skip_scanlines still has to Huffman-decode.
// Invariants:
//   - index_restart_intervals accepts only what it fully understands: one baseline or extended
//     sequential Huffman scan holding every component, a restart interval, restart markers in
//     sequence, exactly as many intervals as the image has MCUs for, and an end-of-image marker
//     right after the last one. Anything else (no restart interval, a marker out of order or
//     missing, a truncated file, bytes after the end) gives nullopt, and the caller decodes the
//     whole stream as before, which refuses a damaged file with its usual reason;
//   - an excerpt decodes to exactly the pixels of the full image's MCU rows it holds, but for the
//     rows next to its top and bottom edges, where chroma upsampling replicates instead of
//     reading the neighbour row: callers keep a margin there;
//   - the entropy-coded bytes of the intervals an excerpt leaves out are not read, so damage
//     inside them is not noticed (their pixels are not used either).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/patch/jpeg_frame.hpp"

namespace patchq::patch {

struct JpegRestartIndex {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::int64_t components = 0;
  std::int64_t mcu_height = 0;    // pixel rows per MCU row
  std::int64_t mcus_per_row = 0;  // in the scan
  std::int64_t mcu_rows = 0;
  std::int64_t restart_interval = 0;  // MCUs per interval
  std::size_t height_offset = 0;      // of the frame header's 16-bit height
  std::size_t header_end = 0;         // first entropy-coded byte (after the SOS segment)
  // Interval k's entropy-coded bytes are [begin[k], end[k]); the marker that follows starts at
  // end[k] (the last one's is the end-of-image marker).
  std::vector<std::size_t> begin;
  std::vector<std::size_t> end;
};

std::optional<JpegRestartIndex> index_restart_intervals(std::string_view jpeg);
// The same from the frame read_jpeg_frame found in `jpeg`.
std::optional<JpegRestartIndex> index_restart_intervals(std::string_view jpeg,
                                                        const JpegFrame& frame);

// The MCU rows [first, last) whose bounds fall on restart intervals, widened from the pixel rows
// [y0, y1): first the nearest such row at or above y0, last at or below y1 (or the image's end).
struct McuRowSpan {
  std::int64_t first = 0;
  std::int64_t last = 0;
};
McuRowSpan aligned_mcu_rows(const JpegRestartIndex& index, std::int64_t y0, std::int64_t y1);

// A JPEG holding the MCU rows `span` (from aligned_mcu_rows) of `jpeg`: its header with the
// height of those rows, their intervals with restart markers renumbered from 0, an end marker.
// Its pixel row 0 is the full image's row span.first * mcu_height.
std::string restart_excerpt(std::string_view jpeg, const JpegRestartIndex& index, McuRowSpan span);

}  // namespace patchq::patch
