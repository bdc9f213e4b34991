// Tile names: item stems, sanitising, and the full name layout.
#include "common/patch/tile_name.hpp"

#include <gtest/gtest.h>

namespace patchq::patch {
namespace {

TEST(ItemStem, DropsOnlyTheLastExtension) {
  EXPECT_EQ(item_stem("street_0042.jpg"), "street_0042");
  EXPECT_EQ(item_stem("a.b.c.png"), "a.b.c");
  EXPECT_EQ(item_stem("my photo.tar.gz"), "my photo.tar");
  EXPECT_EQ(item_stem("noext"), "noext");
  EXPECT_EQ(item_stem("trailing."), "trailing");
}

TEST(ItemStem, KeepsALeadingDot) {
  EXPECT_EQ(item_stem(".hidden"), ".hidden");
  EXPECT_EQ(item_stem(".hidden.png"), ".hidden");
}

TEST(ItemStem, ReplacesSlashesAndControlCharacters) {
  EXPECT_EQ(item_stem("dir/a.png"), "dir_a");
  EXPECT_EQ(item_stem("a.b/c"), "a.b_c");  // the dot belongs to a folder part, not an extension
  EXPECT_EQ(item_stem("a\tb\x7f\n.png"), "a_b__");
}

TEST(ItemStem, CutsLongNamesOnACharacterBoundary) {
  std::string name;
  for (int i = 0; i < 200; ++i) name += "\xC3\xA9";  // é, two bytes each
  const std::string stem = item_stem(name + ".png");
  EXPECT_EQ(stem.size(), kMaxStemBytes);  // 150 is even: 75 whole characters
  EXPECT_EQ(stem, name.substr(0, kMaxStemBytes));
  const std::string odd = item_stem("x" + name);  // 1 + 2k bytes: the cut falls mid-character
  EXPECT_EQ(odd.size(), kMaxStemBytes - 1);
}

TEST(TileName, JoinsStemWholeIdBoxKeyRowAndColumn) {
  EXPECT_EQ(
      tile_name("street_0042", "754f5f2c-0001-4000-8000-000000000001", "0a1b2c3d", 3, 5, "png"),
      "street_0042_754f5f2c-0001-4000-8000-000000000001_0a1b2c3d_r3c5.png");
  EXPECT_EQ(tile_name("a b.c", "x/y", "k", 0, 0, "jpg"), "a b.c_x_y_k_r0c0.jpg");
}

TEST(TileName, TheBoxKeyChangesWithTheGeometryAndOnlyWithIt) {
  const PixelRect box{100, 51, 3000, 2000};
  const std::string key = box_key(box, {4, 6});
  EXPECT_EQ(key.size(), 8u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  // Pinned: tile names must not change between patchq versions for the same geometry, or a
  // re-run after an upgrade would upload every tile a second time.
  EXPECT_EQ(key, "0bc1f0c5");
  EXPECT_EQ(box_key(box, {4, 6}), key);
  EXPECT_NE(box_key({101, 51, 3000, 2000}, {4, 6}), key);                    // moved one pixel
  EXPECT_NE(box_key({100, 51, 3000, 2001}, {4, 6}), key);                    // resized
  EXPECT_NE(box_key(box, {6, 4}), key);                                      // another grid
  EXPECT_NE(box_key({10, 0, 5, 1}, {1, 1}), box_key({1, 0, 5, 1}, {1, 1}));  // no run-together
}

}  // namespace
}  // namespace patchq::patch
