// See jpeg_frame.hpp.
#include "common/patch/jpeg_frame.hpp"

#include <algorithm>

namespace patchq::patch {
namespace {

constexpr unsigned char kSoi = 0xD8;
constexpr unsigned char kSos = 0xDA;
constexpr unsigned char kDri = 0xDD;
constexpr unsigned char kDnl = 0xDC;
constexpr unsigned char kSofBaseline = 0xC0;
constexpr unsigned char kSofExtended = 0xC1;

bool is_other_frame(unsigned char marker) {
  // SOF2..SOF15 but DHT (C4), JPG (C8) and DAC (CC): progressive, lossless, hierarchical,
  // arithmetic-coded frames, none of them with the one-scan layout the region decoders read.
  return marker >= 0xC2 && marker <= 0xCF && marker != kJpegDht && marker != 0xC8 && marker != 0xCC;
}

bool read_frame_header(const unsigned char* seg, std::size_t n, JpegFrame& frame) {
  if (!frame.components.empty() || n < 6 || seg[0] != 8) return false;
  frame.height = std::int64_t{seg[1]} << 8 | seg[2];
  frame.width = std::int64_t{seg[3]} << 8 | seg[4];
  const int count = seg[5];
  if (frame.height == 0 || frame.width == 0 || count < 1 || count > 4 ||
      n != 6 + 3 * static_cast<std::size_t>(count)) {
    return false;
  }
  for (int c = 0; c < count; ++c) {
    const JpegFrame::Component fc{seg[6 + 3 * c], seg[7 + 3 * c] >> 4, seg[7 + 3 * c] & 15};
    if (fc.h < 1 || fc.h > 4 || fc.v < 1 || fc.v > 4) return false;
    for (const JpegFrame::Component& other : frame.components) {
      if (other.id == fc.id) return false;
    }
    frame.components.push_back(fc);
  }
  return true;
}

// One DHT segment's tables; false for anything libjpeg refuses.
bool read_tables(const unsigned char* seg, std::size_t n, JpegFrame& frame) {
  std::size_t pos = 0;
  while (pos < n) {
    if (n - pos < 17) return false;
    const int table_class = seg[pos] >> 4;
    const int id = seg[pos] & 15;
    if (table_class > 1 || id > 3) return false;
    jpeg_huffman::HuffmanSpec spec;
    std::size_t total = 0;
    for (std::size_t length = 1; length <= 16; ++length) {
      spec.counts[length] = seg[pos + length];
      total += seg[pos + length];
    }
    pos += 17;
    if (total > 256 || total > n - pos) return false;
    spec.symbols.assign(seg + pos, seg + pos + total);
    pos += total;
    (table_class == 0 ? frame.dc_tables : frame.ac_tables)[static_cast<std::size_t>(id)] =
        std::move(spec);
  }
  return true;
}

bool read_scan_header(const unsigned char* seg, std::size_t n, JpegFrame& frame) {
  const std::size_t count = frame.components.size();
  if (count == 0 || n != 4 + 2 * count || seg[0] != count) return false;
  const unsigned char* tail = seg + 1 + 2 * count;
  if (tail[0] != 0 || tail[1] != 63 || tail[2] != 0) return false;  // sequential
  std::vector<bool> seen(count, false);
  for (std::size_t k = 0; k < count; ++k) {
    const int id = seg[1 + 2 * k];
    const int dc = seg[2 + 2 * k] >> 4;
    const int ac = seg[2 + 2 * k] & 15;
    if (dc > 3 || ac > 3) return false;
    const auto found = std::find_if(frame.components.begin(), frame.components.end(),
                                    [&](const JpegFrame::Component& c) { return c.id == id; });
    if (found == frame.components.end()) return false;
    const auto index = static_cast<std::size_t>(found - frame.components.begin());
    if (seen[index]) return false;
    seen[index] = true;
    frame.scan.push_back(JpegFrame::ScanComponent{index, dc, ac});
  }
  return true;
}

void set_mcu_geometry(JpegFrame& frame) {
  int max_h = 1;
  int max_v = 1;
  for (const JpegFrame::Component& c : frame.components) {
    max_h = std::max(max_h, c.h);
    max_v = std::max(max_v, c.v);
  }
  const bool one = frame.components.size() == 1;
  frame.mcu_width = one ? 8 : 8 * max_h;
  frame.mcu_height = one ? 8 : 8 * max_v;
  frame.mcus_per_row = ceil_div(frame.width, frame.mcu_width);
  frame.mcu_rows = ceil_div(frame.height, frame.mcu_height);
}

}  // namespace

std::optional<JpegFrame> read_jpeg_frame(std::string_view jpeg) {
  const auto* p = reinterpret_cast<const unsigned char*>(jpeg.data());
  const std::size_t n = jpeg.size();
  if (n < 4 || p[0] != 0xFF || p[1] != kSoi) return std::nullopt;
  JpegFrame frame;
  std::size_t pos = 2;
  for (;;) {
    if (pos >= n || p[pos] != 0xFF) return std::nullopt;  // garbage between segments
    const std::size_t marker_at = pos;
    while (pos < n && p[pos] == 0xFF) ++pos;
    if (pos + 3 > n) return std::nullopt;
    const unsigned char marker = p[pos++];
    const std::size_t length = std::size_t{p[pos]} << 8 | p[pos + 1];
    if (length < 2 || length > n - pos) return std::nullopt;
    const unsigned char* seg = p + pos + 2;
    const std::size_t seg_len = length - 2;
    if (marker == kSofBaseline || marker == kSofExtended) {
      if (!read_frame_header(seg, seg_len, frame)) return std::nullopt;
      frame.size_offset = pos + 3;
    } else if (is_other_frame(marker) || marker == kSoi || marker == kJpegEoi ||
               (marker >= kJpegRst0 && marker < kJpegRst0 + 8) || marker == kDnl) {
      return std::nullopt;
    } else if (marker == kDri) {
      if (seg_len != 2) return std::nullopt;
      frame.restart_interval = std::int64_t{seg[0]} << 8 | seg[1];
    } else if (marker == kJpegDht) {
      if (!read_tables(seg, seg_len, frame)) return std::nullopt;
    } else if (marker == kSos) {
      if (!read_scan_header(seg, seg_len, frame)) return std::nullopt;
      frame.sos_offset = marker_at;
      frame.data_offset = pos + length;
      set_mcu_geometry(frame);
      return frame;
    }
    pos += length;
  }
}

}  // namespace patchq::patch
