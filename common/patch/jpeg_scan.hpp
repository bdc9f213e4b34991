// A JPEG without restart markers, scanned once for its Huffman codes alone (no coefficients, no
// IDCT) to find where chosen MCUs start, then cut into excerpts: small JPEG files of their own
// holding a rectangle of MCUs. A region decode uses them so that only the patches' MCUs go
// through libjpeg (jpeg_skip_scanlines would Huffman-decode every MCU as libjpeg does, about
// twice as slowly as this scan, and decode whole rows under a patch).
// Invariants:
//   - JpegScan::read accepts only what it fully understands: one baseline or extended sequential
//     8-bit Huffman scan holding every component, no restart interval, every table it uses
//     defined and acceptable to libjpeg. Anything else gives nullopt and the caller decodes the
//     whole stream as before;
//   - run() reads every MCU of the scan and fails on a bad code, on data running into a marker
//     or the end, and on anything but the end-of-image marker after the last MCU: wherever
//     libjpeg warns and more (its fast path reads a bad code as zero), so a damaged file goes
//     back to the whole-stream decode and its usual result;
//   - split between two threads, run() keeps the same entries (so the same excerpts) and
//     fails where one thread fails: the second half counts only from an MCU boundary the first
//     thread reaches as well, with an exact start and the frame's last MCU just before the end;
//   - an excerpt decodes to exactly the full image's pixels in its MCUs but for those next to its
//     edges, where chroma upsampling replicates instead of reading the neighbour: callers keep a
//     margin of an MCU there. Its entropy-coded data is the original's bits for those MCUs, the
//     first DC difference of each component in each MCU row re-encoded for its new predecessor
//     (the DC tables get a 16-bit code for a size they lack).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/patch/jpeg_frame.hpp"
#include "common/patch/jpeg_huffman.hpp"

namespace patchq::patch {

// MCUs [first_row, last_row) x [first_column, last_column).
struct McuRect {
  std::int64_t first_row = 0;
  std::int64_t last_row = 0;
  std::int64_t first_column = 0;
  std::int64_t last_column = 0;
};

class JpegScan {
 public:
  static std::optional<JpegScan> read(std::string_view jpeg);
  // The same from the frame read_jpeg_frame found in `jpeg`.
  static std::optional<JpegScan> read(std::string_view jpeg, JpegFrame frame);

  std::int64_t width() const { return frame_.width; }
  std::int64_t height() const { return frame_.height; }
  int components() const { return static_cast<int>(frame_.components.size()); }
  std::int64_t mcu_width() const { return frame_.mcu_width; }    // pixels
  std::int64_t mcu_height() const { return frame_.mcu_height; }  // pixels
  std::int64_t mcus_per_row() const { return frame_.mcus_per_row; }
  std::int64_t mcu_rows() const { return frame_.mcu_rows; }

  // The MCUs holding pixels [x0, x1) x [y0, y1), clamped to the image.
  McuRect mcus_over(std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1) const;

  // Reads the whole scan once, keeping where each row of each rectangle starts. False for
  // anything libjpeg would not decode cleanly. With `threads` >= 2 and at least
  // `min_split_bytes` of entropy-coded data, a second thread scans the second half at the same
  // time from a guessed start (the middle byte, as if an MCU began there): Huffman codes
  // resynchronise, so once the first thread reaches an MCU boundary the second one also found,
  // both parse alike from there and the second half's MCUs are known. Where no boundary
  // matches, the first thread scans on alone: the same result either way.
  static constexpr std::size_t kMinSplitBytes = 1 << 20;
  bool run(const std::vector<McuRect>& rects, int threads = 1,
           std::size_t min_split_bytes = kMinSplitBytes);
  bool split() const { return split_; }  // the last run used the second thread's half
  // After run(): rectangle `k` of those as a JPEG file; its pixel (0, 0) is the full image's
  // (first_column * mcu_width, first_row * mcu_height). nullopt when a DC difference cannot be
  // coded (no 16-bit code left in a table).
  std::optional<std::string> excerpt(std::size_t k) const;

 private:
  struct Block {
    int component = 0;  // of the scan: its DC predictor
    int dc_table = 0;
    int ac_table = 0;
    bool first_of_component = false;          // in the MCU
    const jpeg_huffman::Table* dc = nullptr;  // into dc_tables_ / ac_tables_, set by run()
    const jpeg_huffman::AcTable* ac = nullptr;
  };
  struct Entry {  // the reader and the DC predictors just before an MCU
    std::int64_t mcu = 0;
    jpeg_huffman::BitReader reader;
    std::array<int, 4> dc{};
  };

  struct Half;  // the second half of a split scan

  bool scan_mcu(jpeg_huffman::BitReader& in, std::array<int, 4>& dc) const;
  void scan_second_half(Half& half) const noexcept;
  // After the first thread met the second half's MCU `j` at its own MCU `mcu` (reader `in`,
  // predictors `dc`): the entries for wanted[next...] from the second half's checkpoints, and
  // true; false when the second half did not end cleanly at the frame's last MCU.
  bool take_second_half(const Half& half, std::size_t j, std::int64_t mcu,
                        const jpeg_huffman::BitReader& in, const std::array<int, 4>& dc,
                        const std::vector<std::int64_t>& wanted, std::size_t next);

  std::string_view jpeg_;
  JpegFrame frame_;
  std::vector<Block> blocks_;                                    // of an MCU, in scan order
  std::array<std::optional<jpeg_huffman::Table>, 4> dc_tables_;  // those the scan uses
  std::array<std::optional<jpeg_huffman::AcTable>, 4> ac_tables_;
  std::vector<McuRect> rects_;
  std::vector<Entry> entries_;  // sorted by MCU
  bool split_ = false;
};

}  // namespace patchq::patch
