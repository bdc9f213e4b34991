// See jpeg_huffman.hpp. Codes are canonical (JPEG Annex C): within a length they count up in
// symbol order, and each length starts at the previous one's next code, doubled.
#include "common/patch/jpeg_huffman.hpp"

namespace patchq::patch::jpeg_huffman {

std::vector<std::pair<std::uint32_t, int>> HuffmanSpec::codes() const {
  std::vector<std::pair<std::uint32_t, int>> out;
  out.reserve(symbols.size());
  std::uint32_t code = 0;
  for (int length = 1; length <= 16; ++length) {
    for (int i = 0; i < counts[static_cast<std::size_t>(length)]; ++i) {
      out.emplace_back(code++, length);
    }
    code <<= 1;
  }
  return out;
}

bool HuffmanSpec::add_symbol(std::uint8_t symbol) {
  std::uint32_t next = 0;  // the first free code of 16 bits
  int total = 0;
  for (int length = 1; length <= 16; ++length) {
    next = (next + counts[static_cast<std::size_t>(length)]) << (length < 16 ? 1 : 0);
    total += counts[static_cast<std::size_t>(length)];
  }
  if (next >= 0xFFFF || total >= 256 || counts[16] == 0xFF) return false;
  ++counts[16];
  symbols.push_back(symbol);
  return true;
}

bool BitReader::at_end_of_image() const {
  if (bits_ - padding_ >= 8) return false;  // whole bytes of data left unread
  const unsigned char* q = p_;
  if (q == end_ || *q != 0xFF) return false;
  while (q != end_ && *q == 0xFF) ++q;
  return q != end_ && *q == 0xD9;
}

Table::Table(const HuffmanSpec& spec) : symbols_(spec.symbols) {
  const std::vector<std::pair<std::uint32_t, int>> codes = spec.codes();
  std::int32_t index = 0;
  std::uint32_t code = 0;
  for (int length = 1; length <= 16; ++length) {
    const int count = spec.counts[static_cast<std::size_t>(length)];
    first_index_[static_cast<std::size_t>(length)] = index;
    first_code_[static_cast<std::size_t>(length)] = static_cast<std::int32_t>(code);
    index += count;
    code += static_cast<std::uint32_t>(count);
    max_code_[static_cast<std::size_t>(length)] =
        count != 0 ? static_cast<std::int32_t>(code) - 1 : -1;
    code <<= 1;
  }
  max_code_[17] = 0x7FFFFFFF;
  for (std::size_t i = 0; i < codes.size() && i < symbols_.size(); ++i) {
    const auto [value, length] = codes[i];
    if (length > kLookBits || value >= (1U << length)) continue;  // the latter: a bad table
    const int spread = kLookBits - length;
    const auto entry = static_cast<std::uint16_t>(length | symbols_[i] << 8);
    for (std::uint32_t low = 0; low < (1U << spread); ++low) look_[(value << spread) | low] = entry;
  }
}

Table::Code Table::decode_long(unsigned next16) const {
  for (int l = 1; l <= 16; ++l) {
    const auto code = static_cast<std::int32_t>(next16 >> (16 - l));
    if (code <= max_code_[static_cast<std::size_t>(l)]) {
      const std::int32_t i = first_index_[static_cast<std::size_t>(l)] + code -
                             first_code_[static_cast<std::size_t>(l)];
      if (i < 0 || static_cast<std::size_t>(i) >= symbols_.size()) break;
      return Code{symbols_[static_cast<std::size_t>(i)], l};
    }
  }
  return Code{};
}

AcTable::AcTable(const HuffmanSpec& spec) : single_(spec), pairs_(1U << kPairBits, 0) {
  // The symbol whose code starts each kPairBits-bit value, for codes that fit: a prefix code
  // gives the same symbol whatever follows, so the bits after a first symbol, shifted up with
  // zeros below, give the second one wherever its code and extra bits fit in what is left.
  struct Whole {
    int taken = 0;  // code and extra bits; 0: the code is longer than kPairBits
    int advance = 0;
  };
  std::vector<Whole> whole(1U << kPairBits);
  const std::vector<std::pair<std::uint32_t, int>> codes = spec.codes();
  for (std::size_t i = 0; i < codes.size() && i < spec.symbols.size(); ++i) {
    const auto [value, length] = codes[i];
    if (length > kPairBits || value >= (1U << length)) continue;
    const int spread = kPairBits - length;
    const Whole w{length + (spec.symbols[i] & 15), advance(spec.symbols[i])};
    for (std::uint32_t low = 0; low < (1U << spread); ++low) whole[(value << spread) | low] = w;
  }
  constexpr std::uint32_t kMask = (1U << kPairBits) - 1;
  for (std::uint32_t bits = 0; bits <= kMask; ++bits) {
    const Whole first = whole[bits];
    if (first.taken == 0 || first.taken > kPairBits) continue;
    Whole second;
    if (first.advance != 64 && first.taken < kPairBits) {
      second = whole[(bits << first.taken) & kMask];
      if (second.taken == 0 || second.taken > kPairBits - first.taken) second = Whole{};
    }
    pairs_[bits] = static_cast<std::uint32_t>(first.taken + second.taken) |
                   static_cast<std::uint32_t>(first.taken) << 8 |
                   static_cast<std::uint32_t>(first.advance) << 16 |
                   static_cast<std::uint32_t>(second.advance) << 24;
  }
}

bool usable_by_libjpeg(const HuffmanSpec& spec, bool dc) {
  int total = 0;
  std::uint32_t code = 0;
  for (int length = 1; length <= 16; ++length) {
    total += spec.counts[static_cast<std::size_t>(length)];
    code += spec.counts[static_cast<std::size_t>(length)];
    if (total > 256 || code >= (1U << length)) return false;  // over-subscribed or all ones
    code <<= 1;
  }
  if (static_cast<std::size_t>(total) != spec.symbols.size()) return false;
  if (dc) {
    for (const std::uint8_t s : spec.symbols) {
      if (s > 15) return false;
    }
  }
  return true;
}

}  // namespace patchq::patch::jpeg_huffman
