// The Huffman layer of a baseline JPEG scan, as libjpeg-turbo reads it: a bit reader over
// entropy-coded bytes (0xFF 0x00 unstuffed, zero bits supplied past a marker or the end, as
// libjpeg does, and counted so that reading into them can be told), a bit writer that stuffs, and
// tables built from a DHT segment's counts and symbols.
// Invariants:
//   - a table decodes exactly the codes libjpeg's table of the same counts and symbols decodes,
//     and reports a code libjpeg calls bad (no code of up to 16 bits matches) as such;
//   - AcTable::pairs gives, for the next kPairBits bits, one or two whole AC symbols with their
//     extra bits (what the scan needs to skip them), never a symbol past an end of block;
//   - HuffmanSpec::add_symbol keeps every existing code as it is (a new symbol gets a 16-bit code
//     after all of them) and refuses when no 16-bit code is left (the all-ones code stays unused).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace patchq::patch::jpeg_huffman {

struct HuffmanSpec {
  std::array<std::uint8_t, 17> counts{};  // counts[l]: codes of length l (1..16)
  std::vector<std::uint8_t> symbols;      // in code order
  bool add_symbol(std::uint8_t symbol);
  // The canonical code of every symbol, in `symbols` order: {code, length}.
  std::vector<std::pair<std::uint32_t, int>> codes() const;
};

class BitReader {
 public:
  BitReader() = default;
  // `taken_before`: the data bits before `begin`, so that taken() counts from where they start.
  BitReader(const unsigned char* begin, const unsigned char* end, std::int64_t taken_before = 0)
      : begin_(begin), p_(begin), end_(end), taken_before_(taken_before) {}

  // At least 57 bits are buffered afterwards (zeros past a marker or the end).
  void refill() {
    if (end_ - p_ >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p_, 8);
      word = __builtin_bswap64(word);
      const std::uint64_t inverted = ~word;  // a 0xFF byte is a zero byte here
      if (((inverted - 0x0101010101010101ULL) & ~inverted & 0x8080808080808080ULL) == 0) {
        const int bytes = (64 - bits_) >> 3;
        const int filled = bits_ + 8 * bytes;
        const std::uint64_t keep = filled == 64 ? ~0ULL : ~(~0ULL >> filled);
        buffer_ |= (word >> bits_) & keep;
        p_ += bytes;
        bits_ = filled;
        return;
      }
    }
    refill_slowly();
  }
  unsigned peek(int n) const { return static_cast<unsigned>(buffer_ >> (64 - n)); }
  // The buffered bits alone: enough to take back skips that no refill came between.
  struct Position {
    std::uint64_t buffer;
    int bits;
  };
  Position position() const { return {buffer_, bits_}; }
  void rewind(Position to) {
    buffer_ = to.buffer;
    bits_ = to.bits;
  }
  void skip(int n) {
    buffer_ <<= n;
    bits_ -= n;
  }
  int bits() const { return bits_; }
  // Data bits taken (stuffed zero bytes not counted): where the next code starts.
  std::int64_t taken() const {
    return taken_before_ + 8 * (static_cast<std::int64_t>(p_ - begin_) - stuffed_) -
           (bits_ - padding_);
  }
  // Bits were taken from the zeros supplied past a marker or the end: libjpeg warns there.
  bool overran() const { return bits_ < padding_; }
  // The data left after the bits taken: what follows them has to be the end-of-image marker
  // (fill bytes before it allowed) and fewer than 8 bits may be left in the last byte.
  bool at_end_of_image() const;

 private:
  // Inline too: a call would take the reader's address and keep its buffer out of registers.
  void refill_slowly() {
    while (bits_ <= 56) {
      unsigned char byte = 0;
      if (at_marker_ || p_ == end_) {
        padding_ += 8;
      } else if (*p_ != 0xFF) {
        byte = *p_++;
      } else if (end_ - p_ >= 2 && p_[1] == 0x00) {
        byte = 0xFF;
        p_ += 2;
        ++stuffed_;
      } else {
        at_marker_ = true;  // p_ stays on it
        padding_ += 8;
      }
      buffer_ |= std::uint64_t{byte} << (56 - bits_);
      bits_ += 8;
    }
  }

  const unsigned char* begin_ = nullptr;
  const unsigned char* p_ = nullptr;
  const unsigned char* end_ = nullptr;
  std::int64_t taken_before_ = 0;
  std::int64_t stuffed_ = 0;  // stuffed zero bytes passed
  std::uint64_t buffer_ = 0;  // the next bits, from the top
  int bits_ = 0;
  int padding_ = 0;  // zero bits at the bottom of the buffer that were not in the data
  bool at_marker_ = false;
};

class BitWriter {
 public:
  void put(std::uint32_t value, int count) {  // count <= 32
    pending_ = (pending_ << count) | (value & ((std::uint64_t{1} << count) - 1));
    pending_bits_ += count;
    while (pending_bits_ >= 8) {
      pending_bits_ -= 8;
      const auto byte = static_cast<unsigned char>(pending_ >> pending_bits_);
      out_.push_back(static_cast<char>(byte));
      if (byte == 0xFF) out_.push_back('\0');
    }
  }
  // Pads the last byte with 1 bits, as encoders do; the bytes written.
  std::string finish() {
    if (pending_bits_ > 0) put(0xFF, 8 - pending_bits_);
    return std::move(out_);
  }

 private:
  std::string out_;
  std::uint64_t pending_ = 0;
  int pending_bits_ = 0;
};

// Single symbols: lookahead of kLookBits, longer codes bit by bit. Built from any spec without
// reading or writing out of bounds; decodes like libjpeg for those usable_by_libjpeg accepts.
class Table {
 public:
  static constexpr int kLookBits = 10;
  explicit Table(const HuffmanSpec& spec);
  struct Code {
    int symbol = 0;
    int length = 0;  // 0: a bad code
  };
  // The symbol whose code starts the reader's next 16 bits. (Not the reader itself: a call
  // taking its address would keep its buffer out of registers.)
  Code decode(unsigned next16) const {
    const std::uint16_t e = look_[next16 >> (16 - kLookBits)];
    if (e != 0) return Code{e >> 8, e & 0xFF};
    return decode_long(next16);
  }

 private:
  Code decode_long(unsigned next16) const;

  std::vector<std::uint8_t> symbols_;
  std::array<std::int32_t, 18> max_code_{};
  std::array<std::int32_t, 17> first_index_{};
  std::array<std::int32_t, 17> first_code_{};
  std::array<std::uint16_t, 1 << kLookBits> look_{};
};

// AC symbols for the scan, which skips them: pairs_[next kPairBits bits] packs the bits two
// symbols take (byte 0), the bits the first alone takes (byte 1), and how far each moves the
// coefficient index (bytes 2 and 3; 64 for an end of block, 0 for no second symbol). 0: the
// first symbol's code and extra bits do not fit, decode it with `single`.
class AcTable {
 public:
  static constexpr int kPairBits = 12;
  explicit AcTable(const HuffmanSpec& spec);
  std::uint32_t pair(const BitReader& in) const { return pairs_[in.peek(kPairBits)]; }
  const Table& single() const { return single_; }
  // How far symbol `s` moves the coefficient index: run + 1, 16 for a run of 16 zeros, 64 for
  // an end of block.
  static int advance(int symbol) {
    const int size = symbol & 15;
    const int run = symbol >> 4;
    return size != 0 ? run + 1 : (run == 15 ? 16 : 64);
  }

 private:
  Table single_;
  std::vector<std::uint32_t> pairs_;
};

// What libjpeg accepts (jpeg_make_d_derived_tbl): at most 256 codes, none of them all ones or
// beyond the code space, and DC symbols (size categories) up to 15.
bool usable_by_libjpeg(const HuffmanSpec& spec, bool dc);

// HUFF_EXTEND: the signed value of `size` extra bits.
inline int extend(unsigned bits, int size) {
  return size == 0 ? 0
                   : (static_cast<int>(bits) < (1 << (size - 1))
                          ? static_cast<int>(bits) - (1 << size) + 1
                          : static_cast<int>(bits));
}

// The size category of a DC difference and its extra bits, as an encoder writes them.
inline int category(int value) {
  unsigned magnitude = static_cast<unsigned>(value < 0 ? -value : value);
  int size = 0;
  while (magnitude != 0) {
    ++size;
    magnitude >>= 1;
  }
  return size;
}
inline std::uint32_t extra_bits(int value, int size) {
  return static_cast<std::uint32_t>(value < 0 ? value + (1 << size) - 1 : value);
}

}  // namespace patchq::patch::jpeg_huffman
