// See jpeg_restart.hpp. Entropy-coded data cannot contain a marker: an 0xFF data byte is always
// followed by a stuffed 0x00, so restart and end markers are found by scanning for 0xFF alone.
#include "common/patch/jpeg_restart.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace patchq::patch {
namespace {

constexpr unsigned char kSoi = 0xD8;
constexpr unsigned char kEoi = 0xD9;
constexpr unsigned char kRst0 = 0xD0;
constexpr unsigned char kSos = 0xDA;
constexpr unsigned char kDri = 0xDD;
constexpr unsigned char kSofBaseline = 0xC0;
constexpr unsigned char kSofExtended = 0xC1;

bool is_other_frame(unsigned char marker) {
  // SOF2..SOF15 but DHT (C4), JPG (C8) and DAC (CC): progressive, lossless, hierarchical,
  // arithmetic-coded frames, none of them with the one-scan layout this index reads.
  return marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

struct Header {
  std::int64_t components = 0;
  std::int64_t max_h = 0;
  std::int64_t max_v = 0;
};

// Reads the markers before the scan; false for anything but one sequential Huffman scan holding
// every component of an 8-bit frame, with a restart interval.
bool read_header(const unsigned char* p, std::size_t n, JpegRestartIndex& index, Header& frame) {
  if (n < 4 || p[0] != 0xFF || p[1] != kSoi) return false;
  std::size_t pos = 2;
  for (;;) {
    if (pos >= n || p[pos] != 0xFF) return false;  // garbage between segments: libjpeg's call
    while (pos < n && p[pos] == 0xFF) ++pos;
    if (pos + 3 > n) return false;
    const unsigned char marker = p[pos++];
    const std::size_t length = std::size_t{p[pos]} << 8 | p[pos + 1];
    if (length < 2 || length > n - pos) return false;
    const unsigned char* seg = p + pos + 2;
    const std::size_t seg_len = length - 2;
    if (marker == kSofBaseline || marker == kSofExtended) {
      if (frame.components != 0 || seg_len < 6 || seg[0] != 8) return false;
      index.height = std::int64_t{seg[1]} << 8 | seg[2];
      index.width = std::int64_t{seg[3]} << 8 | seg[4];
      frame.components = seg[5];
      if (index.height == 0 || index.width == 0 || frame.components < 1 || frame.components > 4 ||
          seg_len != 6 + 3 * static_cast<std::size_t>(frame.components)) {
        return false;
      }
      for (std::int64_t c = 0; c < frame.components; ++c) {
        const int h = seg[6 + 3 * c + 1] >> 4;
        const int v = seg[6 + 3 * c + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) return false;
        frame.max_h = std::max<std::int64_t>(frame.max_h, h);
        frame.max_v = std::max<std::int64_t>(frame.max_v, v);
      }
      index.height_offset = pos + 3;
    } else if (is_other_frame(marker) || marker == kSoi || marker == kEoi ||
               (marker >= kRst0 && marker < kRst0 + 8) || marker == 0xDC /* DNL */) {
      return false;
    } else if (marker == kDri) {
      if (seg_len != 2) return false;
      index.restart_interval = std::int64_t{seg[0]} << 8 | seg[1];
    } else if (marker == kSos) {
      if (frame.components == 0 || seg_len < 1 || seg[0] != frame.components) return false;
      index.header_end = pos + length;
      return index.restart_interval > 0;
    }
    pos += length;
  }
}

}  // namespace

std::optional<JpegRestartIndex> index_restart_intervals(std::string_view jpeg) {
  const auto* p = reinterpret_cast<const unsigned char*>(jpeg.data());
  const std::size_t n = jpeg.size();
  JpegRestartIndex index;
  Header frame;
  if (!read_header(p, n, index, frame)) return std::nullopt;
  index.components = frame.components;
  if (frame.components == 1) {  // one component: its MCU is one block, at full resolution
    index.mcu_height = 8;
    index.mcus_per_row = ceil_div(index.width, 8);
  } else {
    index.mcu_height = 8 * frame.max_v;
    index.mcus_per_row = ceil_div(index.width, 8 * frame.max_h);
  }
  index.mcu_rows = ceil_div(index.height, index.mcu_height);
  const std::int64_t intervals =
      ceil_div(index.mcus_per_row * index.mcu_rows, index.restart_interval);
  index.begin.reserve(static_cast<std::size_t>(intervals));
  index.end.reserve(static_cast<std::size_t>(intervals));

  std::size_t pos = index.header_end;
  index.begin.push_back(pos);
  for (;;) {
    const void* found = pos < n ? std::memchr(p + pos, 0xFF, n - pos) : nullptr;
    if (found == nullptr) return std::nullopt;  // truncated: no end-of-image marker
    const auto at = static_cast<std::size_t>(static_cast<const unsigned char*>(found) - p);
    std::size_t next = at + 1;
    while (next < n && p[next] == 0xFF) ++next;  // fill bytes before a marker
    if (next >= n) return std::nullopt;
    const unsigned char marker = p[next];
    if (marker == 0x00) {  // a stuffed data byte
      pos = next + 1;
      continue;
    }
    index.end.push_back(at);
    if (marker == kEoi) break;
    const auto expected = static_cast<unsigned char>(kRst0 + (index.end.size() - 1) % 8);
    if (marker != expected || static_cast<std::int64_t>(index.end.size()) >= intervals) {
      return std::nullopt;  // out of order, or more intervals than MCUs
    }
    pos = next + 1;
    index.begin.push_back(pos);
  }
  if (static_cast<std::int64_t>(index.end.size()) != intervals) return std::nullopt;
  return index;
}

McuRowSpan aligned_mcu_rows(const JpegRestartIndex& index, std::int64_t y0, std::int64_t y1) {
  // MCU row r starts an interval when r * mcus_per_row is a multiple of the interval.
  const std::int64_t step =
      index.restart_interval / std::gcd(index.mcus_per_row, index.restart_interval);
  const std::int64_t top = std::clamp<std::int64_t>(y0, 0, index.height) / index.mcu_height;
  const std::int64_t bottom =
      ceil_div(std::clamp<std::int64_t>(y1, 0, index.height), index.mcu_height);
  McuRowSpan span{top - top % step, ceil_div(bottom, step) * step};
  span.last = std::min(std::max(span.last, span.first + step), index.mcu_rows);
  return span;
}

std::string restart_excerpt(std::string_view jpeg, const JpegRestartIndex& index, McuRowSpan span) {
  const std::int64_t intervals = static_cast<std::int64_t>(index.begin.size());
  const std::int64_t first = span.first * index.mcus_per_row / index.restart_interval;
  const bool to_end = span.last >= index.mcu_rows;
  const std::int64_t last =
      to_end ? intervals : span.last * index.mcus_per_row / index.restart_interval;
  const std::int64_t height = to_end ? index.height - span.first * index.mcu_height
                                     : (span.last - span.first) * index.mcu_height;
  std::size_t size = index.header_end + 2;
  for (std::int64_t k = first; k < last; ++k) {
    size += index.end[static_cast<std::size_t>(k)] - index.begin[static_cast<std::size_t>(k)] + 2;
  }
  std::string out;
  out.reserve(size);
  out.append(jpeg.substr(0, index.header_end));
  out[index.height_offset] = static_cast<char>(height >> 8);
  out[index.height_offset + 1] = static_cast<char>(height & 0xFF);
  for (std::int64_t k = first; k < last; ++k) {
    const std::size_t b = index.begin[static_cast<std::size_t>(k)];
    out.append(jpeg.substr(b, index.end[static_cast<std::size_t>(k)] - b));
    out.push_back(static_cast<char>(0xFF));
    out.push_back(static_cast<char>(k + 1 < last ? kRst0 + (k - first) % 8 : kEoi));
  }
  return out;
}

}  // namespace patchq::patch
