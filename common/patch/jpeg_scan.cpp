// See jpeg_scan.hpp. The scan is the sequential part of a sparse decode, so its inner loop takes
// AC symbols two at a time from one table lookup (AcTable::pair), tentatively: when the first
// ends the block, the second's bits are given back.
#include "common/patch/jpeg_scan.hpp"

#include <algorithm>

namespace patchq::patch {
namespace {

using jpeg_huffman::AcTable;
using jpeg_huffman::BitReader;
using jpeg_huffman::HuffmanSpec;
using jpeg_huffman::Table;

constexpr unsigned char kSoi = 0xD8;
constexpr unsigned char kEoi = 0xD9;
constexpr unsigned char kRst0 = 0xD0;
constexpr unsigned char kSos = 0xDA;
constexpr unsigned char kDht = 0xC4;
constexpr unsigned char kDri = 0xDD;
constexpr unsigned char kSofBaseline = 0xC0;
constexpr unsigned char kSofExtended = 0xC1;
// A DC predictor beyond this is a crafted file (real ones stay within +-2048): the scan gives
// up before int arithmetic could overflow within a row.
constexpr int kDcBound = 1 << 20;

bool is_other_frame(unsigned char marker) {
  // SOF2..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xC2 && marker <= 0xCF && marker != kDht && marker != 0xC8 && marker != 0xCC;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// One DHT segment's tables into `dc` / `ac`; false for anything libjpeg refuses.
bool read_tables(const unsigned char* seg, std::size_t n,
                 std::array<std::optional<HuffmanSpec>, 4>& dc,
                 std::array<std::optional<HuffmanSpec>, 4>& ac) {
  std::size_t pos = 0;
  while (pos < n) {
    if (n - pos < 17) return false;
    const int table_class = seg[pos] >> 4;
    const int id = seg[pos] & 15;
    if (table_class > 1 || id > 3) return false;
    HuffmanSpec spec;
    std::size_t total = 0;
    for (int length = 1; length <= 16; ++length) {
      spec.counts[static_cast<std::size_t>(length)] = seg[pos + static_cast<std::size_t>(length)];
      total += seg[pos + static_cast<std::size_t>(length)];
    }
    pos += 17;
    if (total > 256 || total > n - pos) return false;
    spec.symbols.assign(seg + pos, seg + pos + total);
    pos += total;
    (table_class == 0 ? dc : ac)[static_cast<std::size_t>(id)] = std::move(spec);
  }
  return true;
}

void put_u16(std::string& out, std::size_t at, std::int64_t value) {
  out[at] = static_cast<char>(value >> 8);
  out[at + 1] = static_cast<char>(value & 0xFF);
}

}  // namespace

std::optional<JpegScan> JpegScan::read(std::string_view jpeg) {
  const auto* p = reinterpret_cast<const unsigned char*>(jpeg.data());
  const std::size_t n = jpeg.size();
  if (n < 4 || p[0] != 0xFF || p[1] != kSoi) return std::nullopt;
  JpegScan scan;
  scan.jpeg_ = jpeg;
  struct FrameComponent {
    int id = 0;
    int h = 0;
    int v = 0;
  };
  std::vector<FrameComponent> frame;
  int max_h = 0;
  int max_v = 0;
  std::size_t pos = 2;
  for (;;) {
    if (pos >= n || p[pos] != 0xFF) return std::nullopt;
    const std::size_t marker_at = pos;
    while (pos < n && p[pos] == 0xFF) ++pos;
    if (pos + 3 > n) return std::nullopt;
    const unsigned char marker = p[pos++];
    const std::size_t length = std::size_t{p[pos]} << 8 | p[pos + 1];
    if (length < 2 || length > n - pos) return std::nullopt;
    const unsigned char* seg = p + pos + 2;
    const std::size_t seg_len = length - 2;
    if (marker == kSofBaseline || marker == kSofExtended) {
      if (!frame.empty() || seg_len < 6 || seg[0] != 8) return std::nullopt;
      scan.height_ = std::int64_t{seg[1]} << 8 | seg[2];
      scan.width_ = std::int64_t{seg[3]} << 8 | seg[4];
      const int count = seg[5];
      if (scan.height_ == 0 || scan.width_ == 0 || count < 1 || count > 4 ||
          seg_len != 6 + 3 * static_cast<std::size_t>(count)) {
        return std::nullopt;
      }
      for (int c = 0; c < count; ++c) {
        const FrameComponent fc{seg[6 + 3 * c], seg[7 + 3 * c] >> 4, seg[7 + 3 * c] & 15};
        if (fc.h < 1 || fc.h > 4 || fc.v < 1 || fc.v > 4) return std::nullopt;
        for (const FrameComponent& other : frame) {
          if (other.id == fc.id) return std::nullopt;
        }
        frame.push_back(fc);
        max_h = std::max(max_h, fc.h);
        max_v = std::max(max_v, fc.v);
      }
      scan.frame_size_offset_ = pos + 3;
    } else if (is_other_frame(marker) || marker == kSoi || marker == kEoi ||
               (marker >= kRst0 && marker < kRst0 + 8) || marker == 0xDC /* DNL */) {
      return std::nullopt;
    } else if (marker == kDri) {
      if (seg_len != 2 || (seg[0] | seg[1]) != 0) return std::nullopt;  // restart markers
    } else if (marker == kDht) {
      if (!read_tables(seg, seg_len, scan.dc_specs_, scan.ac_specs_)) return std::nullopt;
    } else if (marker == kSos) {
      if (frame.empty() || seg_len < 1 || seg[0] != frame.size() ||
          seg_len != 4 + 2 * frame.size()) {
        return std::nullopt;
      }
      const unsigned char* tail = seg + 1 + 2 * frame.size();
      if (tail[0] != 0 || tail[1] != 63 || tail[2] != 0) return std::nullopt;  // sequential
      std::vector<bool> seen(frame.size(), false);
      for (std::size_t k = 0; k < frame.size(); ++k) {
        const int id = seg[1 + 2 * k];
        const int dc = seg[2 + 2 * k] >> 4;
        const int ac = seg[2 + 2 * k] & 15;
        if (dc > 3 || ac > 3) return std::nullopt;
        const auto found = std::find_if(frame.begin(), frame.end(),
                                        [&](const FrameComponent& f) { return f.id == id; });
        if (found == frame.end() || seen[static_cast<std::size_t>(found - frame.begin())]) {
          return std::nullopt;
        }
        seen[static_cast<std::size_t>(found - frame.begin())] = true;
        const auto& dc_spec = scan.dc_specs_[static_cast<std::size_t>(dc)];
        const auto& ac_spec = scan.ac_specs_[static_cast<std::size_t>(ac)];
        // An undefined table: libjpeg would use the standard ones (Motion-JPEG frames).
        if (!dc_spec || !ac_spec || !jpeg_huffman::usable_by_libjpeg(*dc_spec, true) ||
            !jpeg_huffman::usable_by_libjpeg(*ac_spec, false)) {
          return std::nullopt;
        }
        if (!scan.dc_tables_[static_cast<std::size_t>(dc)]) {
          scan.dc_tables_[static_cast<std::size_t>(dc)].emplace(*dc_spec);
        }
        if (!scan.ac_tables_[static_cast<std::size_t>(ac)]) {
          scan.ac_tables_[static_cast<std::size_t>(ac)].emplace(*ac_spec);
        }
        // One component: its MCU is one block, whatever its sampling factors.
        const int blocks = frame.size() == 1 ? 1 : found->h * found->v;
        for (int b = 0; b < blocks; ++b) {
          scan.blocks_.push_back(Block{static_cast<int>(k), dc, ac, b == 0, nullptr, nullptr});
        }
      }
      scan.sos_offset_ = marker_at;
      scan.data_offset_ = pos + length;
      break;
    }
    pos += length;
  }
  scan.frame_components_ = static_cast<std::int64_t>(frame.size());
  if (frame.size() == 1) {
    scan.mcu_width_ = 8;
    scan.mcu_height_ = 8;
  } else {
    scan.mcu_width_ = 8 * max_h;
    scan.mcu_height_ = 8 * max_v;
  }
  scan.mcus_per_row_ = ceil_div(scan.width_, scan.mcu_width_);
  scan.mcu_rows_ = ceil_div(scan.height_, scan.mcu_height_);
  return scan;
}

McuRect JpegScan::mcus_over(std::int64_t x0, std::int64_t y0, std::int64_t x1,
                            std::int64_t y1) const {
  x0 = std::clamp<std::int64_t>(x0, 0, width_);
  x1 = std::clamp<std::int64_t>(x1, x0, width_);
  y0 = std::clamp<std::int64_t>(y0, 0, height_);
  y1 = std::clamp<std::int64_t>(y1, y0, height_);
  McuRect r{y0 / mcu_height_, ceil_div(y1, mcu_height_), x0 / mcu_width_, ceil_div(x1, mcu_width_)};
  r.last_row = std::max(r.last_row, r.first_row + 1);
  r.last_column = std::max(r.last_column, r.first_column + 1);
  return r;
}

bool JpegScan::scan_mcu(BitReader& reader, std::array<int, 4>& predictors) const {
  // Locals, so that the reader's buffer stays in registers (the predictors are ints, like its
  // bit count, and could otherwise alias it).
  BitReader in = reader;
  std::array<int, 4> dc = predictors;
  for (const Block& b : blocks_) {
    in.refill();
    const auto [size, length] = b.dc->decode(in.peek(16));
    if (length == 0) return false;
    in.skip(length);
    if (size != 0) {
      dc[static_cast<std::size_t>(b.component)] += jpeg_huffman::extend(in.peek(size), size);
      in.skip(size);
    }
    const AcTable& ac = *b.ac;
    int k = 1;
    while (k < 64) {
      if (in.bits() < 32) in.refill();
      const std::uint32_t pair = ac.pair(in);
      if (pair != 0) [[likely]] {
        const BitReader::Position before = in.position();
        in.skip(static_cast<int>(pair & 0xFF));
        const int after_first = k + static_cast<int>((pair >> 16) & 0xFF);
        k = after_first + static_cast<int>(pair >> 24);
        if (after_first >= 64) [[unlikely]] {  // the block ended at the first symbol
          in.rewind(before);
          in.skip(static_cast<int>((pair >> 8) & 0xFF));
          k = after_first;
        }
        continue;
      }
      const auto [symbol, code_length] = ac.single().decode(in.peek(16));
      if (code_length == 0) return false;
      in.skip(code_length + (symbol & 15));
      k += AcTable::advance(symbol);
    }
  }
  reader = in;
  predictors = dc;
  return true;
}

bool JpegScan::run(const std::vector<McuRect>& rects) {
  for (Block& b : blocks_) {  // here: read() returned this object by moving it
    b.dc = &*dc_tables_[static_cast<std::size_t>(b.dc_table)];
    b.ac = &*ac_tables_[static_cast<std::size_t>(b.ac_table)];
  }
  rects_ = rects;
  entries_.clear();
  std::vector<std::int64_t> wanted;
  for (const McuRect& r : rects_) {
    if (r.first_row < 0 || r.last_row > mcu_rows_ || r.first_row >= r.last_row ||
        r.first_column < 0 || r.last_column > mcus_per_row_ || r.first_column >= r.last_column) {
      return false;
    }
    for (std::int64_t row = r.first_row; row < r.last_row; ++row) {
      wanted.push_back(row * mcus_per_row_ + r.first_column);
    }
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  entries_.reserve(wanted.size());

  const auto* p = reinterpret_cast<const unsigned char*>(jpeg_.data());
  BitReader in(p + data_offset_, p + jpeg_.size());
  std::array<int, 4> dc{};
  std::size_t next = 0;
  std::int64_t mcu = 0;
  for (std::int64_t row = 0; row < mcu_rows_; ++row) {
    for (std::int64_t column = 0; column < mcus_per_row_; ++column, ++mcu) {
      if (next < wanted.size() && wanted[next] == mcu) {
        entries_.push_back(Entry{mcu, in, dc});
        ++next;
      }
      if (!scan_mcu(in, dc)) return false;
    }
    if (in.overran()) return false;
    for (const int value : dc) {
      if (value > kDcBound || value < -kDcBound) return false;
    }
  }
  return in.at_end_of_image();
}

std::optional<std::string> JpegScan::excerpt(std::size_t k) const {
  const McuRect& r = rects_.at(k);
  std::array<std::optional<HuffmanSpec>, 4> dc_specs = dc_specs_;
  std::array<std::vector<std::pair<std::uint32_t, int>>, 4> dc_codes;
  std::array<bool, 4> extended{};
  for (std::size_t t = 0; t < 4; ++t) {
    if (dc_specs[t]) dc_codes[t] = dc_specs[t]->codes();
  }
  // The code of DC size `size` in table `t`, added at 16 bits when the table lacks it.
  const auto code_of = [&](std::size_t t,
                           int size) -> std::optional<std::pair<std::uint32_t, int>> {
    HuffmanSpec& spec = *dc_specs[t];
    for (std::size_t i = 0; i < spec.symbols.size(); ++i) {
      if (spec.symbols[i] == size) return dc_codes[t][i];
    }
    if (!spec.add_symbol(static_cast<std::uint8_t>(size))) return std::nullopt;
    extended[t] = true;
    dc_codes[t] = spec.codes();
    return dc_codes[t].back();
  };

  jpeg_huffman::BitWriter out;
  std::array<int, 4> previous{};  // the excerpt's own DC predictors
  for (std::int64_t row = r.first_row; row < r.last_row; ++row) {
    const std::int64_t mcu = row * mcus_per_row_ + r.first_column;
    const auto entry = std::lower_bound(entries_.begin(), entries_.end(), mcu,
                                        [](const Entry& e, std::int64_t m) { return e.mcu < m; });
    if (entry == entries_.end() || entry->mcu != mcu) return std::nullopt;
    BitReader in = entry->reader;
    std::array<int, 4> dc = entry->dc;
    for (std::int64_t column = r.first_column; column < r.last_column; ++column) {
      for (const Block& b : blocks_) {
        const auto c = static_cast<std::size_t>(b.component);
        const auto t = static_cast<std::size_t>(b.dc_table);
        in.refill();
        const auto [size, length] = dc_tables_[t]->decode(in.peek(16));
        if (length == 0) return std::nullopt;
        const unsigned original = in.peek(length + size);
        in.skip(length);
        const int value = dc[c] + (size != 0 ? jpeg_huffman::extend(in.peek(size), size) : 0);
        if (size != 0) in.skip(size);
        dc[c] = value;
        if (column == r.first_column && b.first_of_component) {
          const int difference = value - previous[c];
          const int new_size = jpeg_huffman::category(difference);
          if (new_size > 15) return std::nullopt;
          const auto code = code_of(t, new_size);
          if (!code) return std::nullopt;
          out.put(code->first, code->second);
          if (new_size != 0) out.put(jpeg_huffman::extra_bits(difference, new_size), new_size);
        } else {
          out.put(original, length + size);
        }
        previous[c] = value;
        const Table& ac = ac_tables_[static_cast<std::size_t>(b.ac_table)]->single();
        for (int coefficient = 1; coefficient < 64;) {
          if (in.bits() < 32) in.refill();
          const auto [symbol, code_length] = ac.decode(in.peek(16));
          if (code_length == 0) return std::nullopt;
          const int taken = code_length + (symbol & 15);
          out.put(in.peek(taken), taken);
          in.skip(taken);
          coefficient += AcTable::advance(symbol);
        }
      }
    }
  }
  const std::string data = out.finish();

  const std::int64_t height = r.last_row >= mcu_rows_ ? height_ - r.first_row * mcu_height_
                                                      : (r.last_row - r.first_row) * mcu_height_;
  const std::int64_t width = r.last_column >= mcus_per_row_
                                 ? width_ - r.first_column * mcu_width_
                                 : (r.last_column - r.first_column) * mcu_width_;
  std::string file;
  file.reserve(data_offset_ + data.size() + 64 * 17 + 2);
  file.append(jpeg_.substr(0, sos_offset_));
  put_u16(file, frame_size_offset_, height);
  put_u16(file, frame_size_offset_ + 2, width);
  for (std::size_t t = 0; t < 4; ++t) {
    if (!extended[t]) continue;
    const HuffmanSpec& spec = *dc_specs[t];
    const std::size_t at = file.size();
    file.append("\xFF\xC4\0\0", 4);
    file.push_back(static_cast<char>(t));  // class 0 (DC), id t
    for (int length = 1; length <= 16; ++length) {
      file.push_back(static_cast<char>(spec.counts[static_cast<std::size_t>(length)]));
    }
    file.append(spec.symbols.begin(), spec.symbols.end());
    put_u16(file, at + 2, static_cast<std::int64_t>(file.size() - at - 2));
  }
  file.append(jpeg_.substr(sos_offset_, data_offset_ - sos_offset_));
  file.append(data);
  file.push_back(static_cast<char>(0xFF));
  file.push_back(static_cast<char>(kEoi));
  return file;
}

}  // namespace patchq::patch
