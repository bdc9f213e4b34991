// See jpeg_restart.hpp. Entropy-coded data cannot contain a marker: an 0xFF data byte is always
// followed by a stuffed 0x00, so restart and end markers are found by scanning for 0xFF alone.
#include "common/patch/jpeg_restart.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "common/patch/jpeg_frame.hpp"

namespace patchq::patch {

std::optional<JpegRestartIndex> index_restart_intervals(std::string_view jpeg) {
  const std::optional<JpegFrame> frame = read_jpeg_frame(jpeg);
  return frame ? index_restart_intervals(jpeg, *frame) : std::nullopt;
}

std::optional<JpegRestartIndex> index_restart_intervals(std::string_view jpeg,
                                                        const JpegFrame& frame) {
  const auto* p = reinterpret_cast<const unsigned char*>(jpeg.data());
  const std::size_t n = jpeg.size();
  if (frame.restart_interval == 0) return std::nullopt;
  JpegRestartIndex index;
  index.width = frame.width;
  index.height = frame.height;
  index.components = static_cast<std::int64_t>(frame.components.size());
  index.mcu_height = frame.mcu_height;
  index.mcus_per_row = frame.mcus_per_row;
  index.mcu_rows = frame.mcu_rows;
  index.restart_interval = frame.restart_interval;
  index.height_offset = frame.size_offset;
  index.header_end = frame.data_offset;
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
    if (marker == kJpegEoi) break;
    const auto expected = static_cast<unsigned char>(kJpegRst0 + (index.end.size() - 1) % 8);
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
    out.push_back(static_cast<char>(k + 1 < last ? kJpegRst0 + (k - first) % 8 : kJpegEoi));
  }
  return out;
}

}  // namespace patchq::patch
