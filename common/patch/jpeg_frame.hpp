// The markers of a sequential JPEG up to its first scan, as the region decoders read them
// (jpeg_restart, jpeg_scan): the frame, its restart interval, its Huffman tables and the scan's
// components, with the offsets an excerpt rewrites.
// Invariants: read_jpeg_frame accepts only one 8-bit baseline or extended sequential frame
// (1..4 components, sampling factors 1..4, ids distinct) and a first scan holding every
// component once, Ss=0 Se=63 Ah=Al=0, with table ids 0..3; DHT segments as libjpeg reads them
// (later definitions replace earlier ones). Anything else before the scan (another frame type,
// SOI, EOI, RST, DNL, garbage between segments, a segment past the end) gives nullopt.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/patch/jpeg_huffman.hpp"

namespace patchq::patch {

inline constexpr unsigned char kJpegEoi = 0xD9;
inline constexpr unsigned char kJpegRst0 = 0xD0;
inline constexpr unsigned char kJpegDht = 0xC4;

struct JpegFrame {
  struct Component {
    int id = 0;
    int h = 0;  // sampling factors
    int v = 0;
  };
  struct ScanComponent {
    std::size_t component = 0;  // into components
    int dc_table = 0;
    int ac_table = 0;
  };
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::vector<Component> components;  // in frame order
  std::vector<ScanComponent> scan;    // in scan order
  std::int64_t restart_interval = 0;  // MCUs; 0: none
  std::array<std::optional<jpeg_huffman::HuffmanSpec>, 4> dc_tables;
  std::array<std::optional<jpeg_huffman::HuffmanSpec>, 4> ac_tables;
  std::size_t size_offset = 0;  // of the frame header's 16-bit height, then width
  std::size_t sos_offset = 0;   // of the SOS marker
  std::size_t data_offset = 0;  // the first entropy-coded byte

  // The scan's MCUs: one block of 8x8 for a single component, whatever its sampling factors.
  std::int64_t mcu_width = 0;  // pixels
  std::int64_t mcu_height = 0;
  std::int64_t mcus_per_row = 0;
  std::int64_t mcu_rows = 0;
};

std::optional<JpegFrame> read_jpeg_frame(std::string_view jpeg);

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace patchq::patch
