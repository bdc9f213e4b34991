// The Huffman layer of the JPEG scan: canonical codes, added symbols, the two-symbol table,
// and bit reading and writing with 0xFF stuffing and markers.
#include "common/patch/jpeg_huffman.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace patchq::patch::jpeg_huffman {
namespace {

// JPEG Annex K's luminance DC table: sizes 0..11.
HuffmanSpec standard_dc() {
  HuffmanSpec spec;
  const int counts[17] = {0, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
  for (int l = 1; l <= 16; ++l) spec.counts[static_cast<std::size_t>(l)] = counts[l];
  for (int s = 0; s <= 11; ++s) spec.symbols.push_back(static_cast<std::uint8_t>(s));
  return spec;
}

// A small AC table with an end of block (0x00), a run of 16 zeros (0xF0), short and long codes.
HuffmanSpec small_ac() {
  HuffmanSpec spec;
  spec.counts[2] = 2;
  spec.counts[3] = 3;
  spec.counts[4] = 1;
  spec.counts[5] = 1;
  spec.counts[9] = 1;
  spec.counts[16] = 1;
  spec.symbols = {0x00, 0x01, 0x11, 0x02, 0xF0, 0x21, 0x13, 0x0A, 0x35};
  return spec;
}

TEST(HuffmanSpec, CodesAreCanonical) {
  const auto codes = standard_dc().codes();
  ASSERT_EQ(codes.size(), 12u);
  EXPECT_EQ(codes[0], (std::pair<std::uint32_t, int>{0b00, 2}));
  EXPECT_EQ(codes[1], (std::pair<std::uint32_t, int>{0b010, 3}));
  EXPECT_EQ(codes[5], (std::pair<std::uint32_t, int>{0b110, 3}));
  EXPECT_EQ(codes[6], (std::pair<std::uint32_t, int>{0b1110, 4}));
  EXPECT_EQ(codes[11], (std::pair<std::uint32_t, int>{0b111111110, 9}));
}

TEST(HuffmanSpec, AnAddedSymbolGetsA16BitCodeAndLeavesTheOthersAlone) {
  HuffmanSpec spec = standard_dc();
  const auto before = spec.codes();
  ASSERT_TRUE(spec.add_symbol(12));
  ASSERT_TRUE(spec.add_symbol(15));
  const auto after = spec.codes();
  ASSERT_EQ(after.size(), before.size() + 2);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]) << i;
  EXPECT_EQ(after[12].second, 16);
  EXPECT_EQ(after[13].first, after[12].first + 1);
  EXPECT_TRUE(usable_by_libjpeg(spec, true));
  // And a table decodes it.
  const Table table(spec);
  EXPECT_EQ(table.decode(after[13].first).symbol, 15);
  EXPECT_EQ(table.decode(after[13].first).length, 16);
}

TEST(HuffmanSpec, NoSymbolIsAddedWhenOnlyTheAllOnesCodeIsLeft) {
  // One code of each length: 0, 10, 110, ..., 1111111111111110; the next would be all ones.
  HuffmanSpec full;
  full.counts[1] = 1;
  full.symbols = {0};
  for (int l = 2; l <= 16; ++l) {
    full.counts[static_cast<std::size_t>(l)] = 1;
    full.symbols.push_back(static_cast<std::uint8_t>(l - 1));
  }
  ASSERT_TRUE(usable_by_libjpeg(full, false));
  EXPECT_FALSE(full.add_symbol(0x11));
  EXPECT_EQ(full.symbols.size(), 16u);
}

TEST(HuffmanSpec, LibjpegsRulesForTables) {
  EXPECT_TRUE(usable_by_libjpeg(standard_dc(), true));
  EXPECT_TRUE(usable_by_libjpeg(small_ac(), false));
  HuffmanSpec ac_symbol_in_dc = standard_dc();
  ac_symbol_in_dc.symbols[11] = 0x21;  // DC sizes stop at 15
  EXPECT_FALSE(usable_by_libjpeg(ac_symbol_in_dc, true));
  EXPECT_TRUE(usable_by_libjpeg(ac_symbol_in_dc, false));
  HuffmanSpec over = standard_dc();
  over.counts[1] = 2;  // two 1-bit codes use the whole space: then nothing else fits
  over.symbols.insert(over.symbols.begin(), {12, 13});
  EXPECT_FALSE(usable_by_libjpeg(over, true));
  HuffmanSpec all_ones;
  all_ones.counts[1] = 2;  // 0 and 1: the second is all ones
  all_ones.symbols = {0, 1};
  EXPECT_FALSE(usable_by_libjpeg(all_ones, true));
  HuffmanSpec short_symbols = standard_dc();
  short_symbols.symbols.pop_back();
  EXPECT_FALSE(usable_by_libjpeg(short_symbols, true));
}

TEST(HuffmanTable, DecodesEveryCodeAndRefusesBadOnes) {
  const HuffmanSpec spec = small_ac();
  const Table table(spec);
  const auto codes = spec.codes();
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const auto [code, length] = codes[i];
    for (const unsigned low : {0U, (1U << (16 - length)) - 1}) {  // whatever follows
      const Table::Code got = table.decode((code << (16 - length)) | low);
      EXPECT_EQ(got.symbol, spec.symbols[i]) << i;
      EXPECT_EQ(got.length, length) << i;
    }
  }
  EXPECT_EQ(table.decode(0xFFFF).length, 0) << "all ones is no code";
}

// The pair table against single symbols decoded one after the other.
TEST(AcTable, PairsAreTwoSingleSymbolsThatFit) {
  const HuffmanSpec spec = small_ac();
  const AcTable ac(spec);
  for (std::uint32_t bits = 0; bits < (1U << 16); bits += 7) {
    BitWriter w;
    w.put(bits, 16);
    w.put(0, 16);
    const std::string bytes = w.finish();
    BitReader in(reinterpret_cast<const unsigned char*>(bytes.data()),
                 reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size());
    in.refill();
    const std::uint32_t pair = ac.pair(in);
    const Table::Code first = ac.single().decode(in.peek(16));
    const int first_taken = first.length + (first.symbol & 15);
    if (first.length == 0 || first_taken > AcTable::kPairBits) {
      EXPECT_EQ(pair, 0u) << bits;
      continue;
    }
    EXPECT_EQ(static_cast<int>((pair >> 8) & 0xFF), first_taken) << bits;
    EXPECT_EQ(static_cast<int>((pair >> 16) & 0xFF), AcTable::advance(first.symbol)) << bits;
    in.skip(first_taken);
    const Table::Code second = ac.single().decode(in.peek(16));
    const int second_taken = second.length + (second.symbol & 15);
    const bool two = AcTable::advance(first.symbol) != 64 && second.length != 0 &&
                     first_taken + second_taken <= AcTable::kPairBits;
    EXPECT_EQ(static_cast<int>(pair & 0xFF), first_taken + (two ? second_taken : 0)) << bits;
    EXPECT_EQ(static_cast<int>(pair >> 24), two ? AcTable::advance(second.symbol) : 0) << bits;
  }
  EXPECT_EQ(AcTable::advance(0x00), 64);
  EXPECT_EQ(AcTable::advance(0xF0), 16);
  EXPECT_EQ(AcTable::advance(0x35), 4);
}

TEST(BitReader, UnstuffsAndSuppliesZerosPastAMarker) {
  const unsigned char data[] = {0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56};
  BitReader in(data, data + sizeof data);
  in.refill();
  EXPECT_EQ(in.peek(24), 0x12FF34u);
  in.skip(24);
  EXPECT_FALSE(in.overran());
  EXPECT_FALSE(in.at_end_of_image()) << "RST0, not the end";
  EXPECT_EQ(in.peek(8), 0u);
  in.skip(1);
  EXPECT_TRUE(in.overran());
}

TEST(BitReader, KnowsTheEndOfImage) {
  const unsigned char clean[] = {0xAB, 0xCD, 0xFF, 0xFF, 0xD9};  // a fill byte before EOI
  BitReader in(clean, clean + sizeof clean);
  in.refill();
  in.skip(7);
  EXPECT_FALSE(in.at_end_of_image()) << "a whole byte left";
  in.skip(6);
  EXPECT_TRUE(in.at_end_of_image()) << "3 padding bits left";
  const unsigned char extra[] = {0xAB, 0x00, 0xFF, 0xD9};
  BitReader more(extra, extra + sizeof extra);
  more.refill();
  more.skip(8);
  EXPECT_FALSE(more.at_end_of_image()) << "an extraneous byte";
  const unsigned char truncated[] = {0xAB, 0xCD};
  BitReader cut(truncated, truncated + sizeof truncated);
  cut.refill();
  cut.skip(16);
  EXPECT_FALSE(cut.at_end_of_image());
}

TEST(BitReader, FastAndSlowRefillsReadTheSameBits) {
  std::mt19937 random(7);
  std::string bytes;
  for (int i = 0; i < 4000; ++i) {
    const auto b = static_cast<unsigned char>(random() % 16 == 0 ? 0xFF : random() & 0xFF);
    bytes.push_back(static_cast<char>(b));
    if (b == 0xFF) bytes.push_back('\0');
  }
  std::string plain;  // the same bits without stuffing
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    plain.push_back(bytes[i]);
    if (static_cast<unsigned char>(bytes[i]) == 0xFF) ++i;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  BitReader in(p, p + bytes.size());
  std::size_t bit = 0;
  while (bit + 32 < plain.size() * 8) {
    in.refill();
    const int n = 1 + static_cast<int>(random() % 31);
    unsigned expected = 0;
    for (int k = 0; k < n; ++k) {
      const std::size_t at = bit + static_cast<std::size_t>(k);
      expected = expected << 1 | ((static_cast<unsigned char>(plain[at / 8]) >> (7 - at % 8)) & 1U);
    }
    ASSERT_EQ(in.peek(n), expected) << "at bit " << bit;
    in.skip(n);
    bit += static_cast<std::size_t>(n);
  }
  EXPECT_FALSE(in.overran());
}

TEST(BitWriter, StuffsAndPadsWithOnes) {
  BitWriter w;
  w.put(0xFF, 8);
  w.put(0x1, 1);
  EXPECT_EQ(w.finish(), std::string("\xFF\x00\xFF\x00", 4));
  BitWriter v;
  v.put(0b101, 3);
  v.put(0x12345, 20);
  EXPECT_EQ(v.finish(), std::string("\xA2\x46\x8B", 3));  // 101 0001 0010 0011 0100 0101 1
}

TEST(DcDifferences, SizeAndExtraBitsRoundTrip) {
  for (int value = -32767; value <= 32767; ++value) {
    const int size = category(value);
    ASSERT_LE(size, 15);
    ASSERT_EQ(extend(extra_bits(value, size), size), value) << value;
  }
  EXPECT_EQ(category(0), 0);
  EXPECT_EQ(category(-1), 1);
  EXPECT_EQ(category(2047), 11);
  EXPECT_EQ(category(-2048), 12);
}

}  // namespace
}  // namespace patchq::patch::jpeg_huffman
