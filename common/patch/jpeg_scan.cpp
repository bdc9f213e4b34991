// See jpeg_scan.hpp. The scan is the sequential part of a sparse decode, so its inner loop takes
// AC symbols two at a time from one table lookup (AcTable::pair), tentatively: when the first
// ends the block, the second's bits are given back.
#include "common/patch/jpeg_scan.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>

#include "common/patch/jpeg_frame.hpp"

namespace patchq::patch {
namespace {

using jpeg_huffman::AcTable;
using jpeg_huffman::BitReader;
using jpeg_huffman::HuffmanSpec;
using jpeg_huffman::Table;

// A DC predictor beyond this is a crafted file (real ones stay within +-2048): the scan gives
// up before int arithmetic could overflow within a row.
constexpr int kDcBound = 1 << 20;
// The second half of a split scan: the MCU boundaries it offers for the first thread to meet,
// how often it keeps its state, and its bound on predictors relative to its start.
constexpr std::size_t kSyncWindow = 1 << 12;
constexpr std::int64_t kCheckpointMcus = 64;
constexpr int kRelativeDcBound = 1 << 24;

void put_u16(std::string& out, std::size_t at, std::int64_t value) {
  out[at] = static_cast<char>(value >> 8);
  out[at + 1] = static_cast<char>(value & 0xFF);
}

bool within(const std::array<int, 4>& dc, int bound) {
  for (const int value : dc) {
    if (value > bound || value < -bound) return false;
  }
  return true;
}

}  // namespace

struct JpegScan::Half {
  struct Boundary {
    std::int64_t taken = 0;  // data bits before it, from the stream's start
    std::array<int, 4> dc{};
  };
  std::size_t start = 0;        // byte offset: not inside a stuffed pair
  std::int64_t start_bits = 0;  // data bits before it
  std::vector<Boundary> boundaries = std::vector<Boundary>(kSyncWindow);
  std::atomic<std::size_t> published{0};  // boundaries written
  std::atomic<bool> done{false};
  std::atomic<bool> stop{false};
  std::vector<Entry> checkpoints;  // at MCUs 0, kCheckpointMcus, ... of its own count
  std::int64_t mcus = 0;           // MCUs it parsed
  bool clean_end = false;          // ... and then met the end-of-image marker
};

std::optional<JpegScan> JpegScan::read(std::string_view jpeg) {
  std::optional<JpegFrame> frame = read_jpeg_frame(jpeg);
  return frame ? read(jpeg, *std::move(frame)) : std::nullopt;
}

std::optional<JpegScan> JpegScan::read(std::string_view jpeg, JpegFrame frame) {
  if (frame.restart_interval != 0) return std::nullopt;
  JpegScan scan;
  scan.jpeg_ = jpeg;
  for (std::size_t k = 0; k < frame.scan.size(); ++k) {
    const JpegFrame::ScanComponent& sc = frame.scan[k];
    const auto dc = static_cast<std::size_t>(sc.dc_table);
    const auto ac = static_cast<std::size_t>(sc.ac_table);
    // An undefined table: libjpeg would use the standard ones (Motion-JPEG frames).
    if (!frame.dc_tables[dc] || !frame.ac_tables[ac] ||
        !jpeg_huffman::usable_by_libjpeg(*frame.dc_tables[dc], true) ||
        !jpeg_huffman::usable_by_libjpeg(*frame.ac_tables[ac], false)) {
      return std::nullopt;
    }
    if (!scan.dc_tables_[dc]) scan.dc_tables_[dc].emplace(*frame.dc_tables[dc]);
    if (!scan.ac_tables_[ac]) scan.ac_tables_[ac].emplace(*frame.ac_tables[ac]);
    const JpegFrame::Component& c = frame.components[sc.component];
    const int blocks = frame.components.size() == 1 ? 1 : c.h * c.v;
    for (int b = 0; b < blocks; ++b) {
      scan.blocks_.push_back(
          Block{static_cast<int>(k), sc.dc_table, sc.ac_table, b == 0, nullptr, nullptr});
    }
  }
  scan.frame_ = std::move(frame);
  return scan;
}

McuRect JpegScan::mcus_over(std::int64_t x0, std::int64_t y0, std::int64_t x1,
                            std::int64_t y1) const {
  x0 = std::clamp<std::int64_t>(x0, 0, frame_.width);
  x1 = std::clamp<std::int64_t>(x1, x0, frame_.width);
  y0 = std::clamp<std::int64_t>(y0, 0, frame_.height);
  y1 = std::clamp<std::int64_t>(y1, y0, frame_.height);
  McuRect r{y0 / frame_.mcu_height, ceil_div(y1, frame_.mcu_height), x0 / frame_.mcu_width,
            ceil_div(x1, frame_.mcu_width)};
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

void JpegScan::scan_second_half(Half& half) const noexcept {
  try {
    const auto* p = reinterpret_cast<const unsigned char*>(jpeg_.data());
    BitReader in(p + half.start, p + jpeg_.size(), half.start_bits);
    std::array<int, 4> dc{};
    for (std::int64_t j = 0;; ++j) {
      if (in.at_end_of_image()) {
        half.clean_end = true;
        half.mcus = j;
        break;
      }
      if (static_cast<std::size_t>(j) < kSyncWindow) {
        half.boundaries[static_cast<std::size_t>(j)] = Half::Boundary{in.taken(), dc};
        half.published.store(static_cast<std::size_t>(j) + 1, std::memory_order_release);
      }
      if (j % kCheckpointMcus == 0) {
        if (half.stop.load(std::memory_order_relaxed) || !within(dc, kRelativeDcBound)) break;
        half.checkpoints.push_back(Entry{j, in, dc});
      }
      if (!scan_mcu(in, dc) || in.overran()) break;
    }
  } catch (...) {  // out of memory for checkpoints: not clean, the first thread goes on
  }
  half.done.store(true, std::memory_order_release);
}

bool JpegScan::take_second_half(const Half& half, std::size_t j, std::int64_t mcu,
                                const BitReader& in, const std::array<int, 4>& dc,
                                const std::vector<std::int64_t>& wanted, std::size_t next) {
  const auto met = static_cast<std::int64_t>(j);
  if (!half.clean_end || half.mcus < met ||
      mcu + (half.mcus - met) != frame_.mcu_rows * frame_.mcus_per_row) {
    return false;
  }
  std::array<int, 4> shift{};  // the second half's predictors are relative to its start
  for (std::size_t c = 0; c < 4; ++c) shift[c] = dc[c] - half.boundaries[j].dc[c];
  BitReader reader = in;
  std::array<int, 4> predictors = dc;
  std::int64_t at = met;  // in the second half's count
  std::vector<Entry> entries;
  for (; next < wanted.size(); ++next) {
    const std::int64_t target = wanted[next] - mcu + met;  // up to half.mcus: the end
    const std::int64_t checkpoint =
        std::min(target / kCheckpointMcus, static_cast<std::int64_t>(half.checkpoints.size()) - 1) *
        kCheckpointMcus;
    if (checkpoint > at) {
      const Entry& e = half.checkpoints[static_cast<std::size_t>(checkpoint / kCheckpointMcus)];
      reader = e.reader;
      for (std::size_t c = 0; c < 4; ++c) predictors[c] = e.dc[c] + shift[c];
      at = checkpoint;
    }
    for (; at < target; ++at) {
      if (!scan_mcu(reader, predictors)) return false;
    }
    entries.push_back(Entry{wanted[next], reader, predictors});
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
  return true;
}

bool JpegScan::run(const std::vector<McuRect>& rects, int threads, std::size_t min_split_bytes) {
  for (Block& b : blocks_) {  // here: read() returned this object by moving it
    b.dc = &*dc_tables_[static_cast<std::size_t>(b.dc_table)];
    b.ac = &*ac_tables_[static_cast<std::size_t>(b.ac_table)];
  }
  rects_ = rects;
  entries_.clear();
  split_ = false;
  std::vector<std::int64_t> wanted;
  for (const McuRect& r : rects_) {
    if (r.first_row < 0 || r.last_row > frame_.mcu_rows || r.first_row >= r.last_row ||
        r.first_column < 0 || r.last_column > frame_.mcus_per_row ||
        r.first_column >= r.last_column) {
      return false;
    }
    for (std::int64_t row = r.first_row; row < r.last_row; ++row) {
      wanted.push_back(row * frame_.mcus_per_row + r.first_column);
      wanted.push_back(row * frame_.mcus_per_row + r.last_column);  // the next MCU (or the end)
    }
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  entries_.reserve(wanted.size());

  const auto* p = reinterpret_cast<const unsigned char*>(jpeg_.data());
  const std::size_t size = jpeg_.size();
  std::unique_ptr<Half> half;
  std::thread helper;
  struct Joiner {  // whatever way run() returns
    std::unique_ptr<Half>& half;
    std::thread& helper;
    ~Joiner() {
      if (helper.joinable()) {
        half->stop = true;
        helper.join();
      }
    }
  } joiner{half, helper};
  if (threads >= 2 && size - frame_.data_offset >= min_split_bytes &&
      size - frame_.data_offset >= 16) {
    half = std::make_unique<Half>();
    std::size_t start = frame_.data_offset + (size - frame_.data_offset) / 2;
    while (start < size && p[start - 1] == 0xFF) ++start;  // past a stuffed pair or fill
    std::int64_t stuffed = 0;
    for (std::size_t at = frame_.data_offset; at < start;) {
      const void* found = std::memchr(p + at, 0xFF, start - at);
      if (found == nullptr) break;
      at = static_cast<std::size_t>(static_cast<const unsigned char*>(found) - p) + 1;
      if (at < size && p[at] == 0x00) ++stuffed;
    }
    half->start = start;
    half->start_bits = 8 * (static_cast<std::int64_t>(start - frame_.data_offset) - stuffed);
    try {
      helper = std::thread([this, &half] { scan_second_half(*half); });
    } catch (const std::system_error&) {
      half.reset();  // one thread: the same scan, slower
    }
  }

  BitReader in(p + frame_.data_offset, p + size);
  std::array<int, 4> dc{};
  std::size_t next = 0;
  std::size_t met = 0;  // the second half's boundaries passed
  std::int64_t mcu = 0;
  for (std::int64_t row = 0; row < frame_.mcu_rows; ++row) {
    for (std::int64_t column = 0; column < frame_.mcus_per_row; ++column, ++mcu) {
      if (next < wanted.size() && wanted[next] == mcu) {
        entries_.push_back(Entry{mcu, in, dc});
        ++next;
      }
      if (half && in.taken() >= half->start_bits) {
        const std::int64_t at = in.taken();
        // The second thread is far ahead unless it has barely started: wait for it to pass.
        std::size_t published = 0;
        for (;;) {
          const bool done = half->done.load(std::memory_order_acquire);
          published = half->published.load(std::memory_order_acquire);
          if (done || published >= kSyncWindow ||
              (published > 0 && half->boundaries[published - 1].taken >= at)) {
            break;
          }
          std::this_thread::yield();
        }
        while (met < published && half->boundaries[met].taken < at) ++met;
        if (met < published && half->boundaries[met].taken == at) {
          helper.join();
          if (take_second_half(*half, met, mcu, in, dc, wanted, next)) {
            split_ = true;
            return true;
          }
          half.reset();  // it did not end cleanly: scan on alone
        } else if (met >= kSyncWindow ||
                   (met >= published && half->done.load(std::memory_order_acquire))) {
          half->stop = true;  // no boundary met: scan on alone
          helper.join();
          half.reset();
        }
      }
      if (!scan_mcu(in, dc)) return false;
    }
    if (in.overran() || !within(dc, kDcBound)) return false;
  }
  if (next < wanted.size() && wanted[next] == mcu) entries_.push_back(Entry{mcu, in, dc});
  return in.at_end_of_image();
}

std::optional<std::string> JpegScan::excerpt(std::size_t k) const {
  const McuRect& r = rects_.at(k);
  std::array<std::optional<HuffmanSpec>, 4> dc_specs = frame_.dc_tables;
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

  const auto entry_at = [&](std::int64_t mcu) -> const Entry* {
    const auto e = std::lower_bound(entries_.begin(), entries_.end(), mcu,
                                    [](const Entry& x, std::int64_t m) { return x.mcu < m; });
    return e != entries_.end() && e->mcu == mcu ? &*e : nullptr;
  };
  jpeg_huffman::BitWriter out;
  std::array<int, 4> previous{};  // the excerpt's own DC predictors
  for (std::int64_t row = r.first_row; row < r.last_row; ++row) {
    const Entry* start = entry_at(row * frame_.mcus_per_row + r.first_column);
    const Entry* end = entry_at(row * frame_.mcus_per_row + r.last_column);
    if (start == nullptr || end == nullptr) return std::nullopt;
    // The row's first MCU symbol by symbol, its components' first DC differences re-encoded.
    BitReader in = start->reader;
    std::array<int, 4> dc = start->dc;
    for (const Block& b : blocks_) {
      const auto c = static_cast<std::size_t>(b.component);
      const auto t = static_cast<std::size_t>(b.dc_table);
      in.refill();
      const auto [size, length] = b.dc->decode(in.peek(16));
      if (length == 0) return std::nullopt;
      const unsigned original = in.peek(length + size);
      in.skip(length);
      const int value = dc[c] + (size != 0 ? jpeg_huffman::extend(in.peek(size), size) : 0);
      if (size != 0) in.skip(size);
      dc[c] = value;
      if (b.first_of_component) {
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
      const Table& ac = b.ac->single();
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
    // The rest of the row's MCUs as they are: their bits up to where the next MCU starts.
    std::int64_t left = end->reader.taken() - in.taken();
    if (left < 0) return std::nullopt;
    while (left > 0) {
      in.refill();
      const int n = static_cast<int>(std::min<std::int64_t>(left, 32));
      out.put(in.peek(n), n);
      in.skip(n);
      left -= n;
    }
    previous = end->dc;  // the DC of each component's last block in the row
  }
  const std::string data = out.finish();

  const std::int64_t height = r.last_row >= frame_.mcu_rows
                                  ? frame_.height - r.first_row * frame_.mcu_height
                                  : (r.last_row - r.first_row) * frame_.mcu_height;
  const std::int64_t width = r.last_column >= frame_.mcus_per_row
                                 ? frame_.width - r.first_column * frame_.mcu_width
                                 : (r.last_column - r.first_column) * frame_.mcu_width;
  std::string file;
  file.reserve(frame_.data_offset + data.size() + 64 * 17 + 2);
  file.append(jpeg_.substr(0, frame_.sos_offset));
  put_u16(file, frame_.size_offset, height);
  put_u16(file, frame_.size_offset + 2, width);
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
  file.append(jpeg_.substr(frame_.sos_offset, frame_.data_offset - frame_.sos_offset));
  file.append(data);
  file.push_back(static_cast<char>(0xFF));
  file.push_back(static_cast<char>(kJpegEoi));
  return file;
}

}  // namespace patchq::patch
