#include "common/patch/tile_picker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace patchq::patch {
namespace {

using Kind = TilePicker::Pick::Kind;

std::size_t take(TilePicker& picker, std::int64_t rows) {
  const TilePicker::Pick pick = picker.next(rows);
  EXPECT_EQ(pick.kind, Kind::take);
  return pick.index;
}

TEST(TilePicker, WithEveryRowDecodedTakesTheLargestFirstTiesInOrder) {
  TilePicker picker({{100, 10}, {50, 40}, {300, 40}, {20, 90}, {10, 10}});
  std::vector<std::size_t> order;
  for (int i = 0; i < 5; ++i) order.push_back(take(picker, INT64_MAX));
  EXPECT_EQ(order, (std::vector<std::size_t>{3, 1, 2, 0, 4}));
  EXPECT_EQ(picker.next(INT64_MAX).kind, Kind::done);
}

TEST(TilePicker, NeverHandsOutATileBeforeItsRowsAndSaysWhichRowsTheNextNeeds) {
  TilePicker picker({{400, 1}, {200, 5}, {200, 9}});
  const TilePicker::Pick early = picker.next(199);
  ASSERT_EQ(early.kind, Kind::wait);
  EXPECT_EQ(early.rows, 200);
  EXPECT_EQ(take(picker, 200), 2u);  // both at 200 are ready: the larger first
  EXPECT_EQ(take(picker, 200), 1u);
  const TilePicker::Pick later = picker.next(300);
  ASSERT_EQ(later.kind, Kind::wait);
  EXPECT_EQ(later.rows, 400);
  EXPECT_EQ(take(picker, 400), 0u);
  EXPECT_EQ(picker.next(400).kind, Kind::done);
}

TEST(TilePicker, TheLastRowsBigTileGoesBeforeTheSmallOnesReadyWithIt) {
  // A job's end: small tiles and one big one all become ready when the decode ends; the big
  // one first, so that two threads end together instead of one encoding it alone.
  TilePicker picker({{1000, 100}, {4000, 60}, {4000, 60}, {3900, 810}, {4000, 60}});
  EXPECT_EQ(take(picker, 1000), 0u);
  EXPECT_EQ(take(picker, INT64_MAX), 3u);
}

TEST(TilePicker, EveryTileExactlyOnceWhateverTheDecodeProgress) {
  std::mt19937 random(15);
  std::vector<TilePicker::Tile> tiles;
  for (int i = 0; i < 500; ++i) {
    tiles.push_back({static_cast<std::int64_t>(random() % 4000) + 1,
                     static_cast<std::int64_t>(random() % 100)});
  }
  TilePicker picker(tiles);
  std::vector<int> seen(tiles.size(), 0);
  std::int64_t rows = 0;
  for (;;) {
    const TilePicker::Pick pick = picker.next(rows);
    if (pick.kind == Kind::done) break;
    if (pick.kind == Kind::wait) {
      ASSERT_GT(pick.rows, rows);
      rows = std::min<std::int64_t>(4000, rows + static_cast<std::int64_t>(random() % 300) + 1);
      continue;
    }
    ASSERT_LT(pick.index, tiles.size());
    ASSERT_LE(tiles[pick.index].bottom, rows);
    seen[pick.index] += 1;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<long>(tiles.size()));
}

TEST(TilePicker, NoTilesIsDoneAtOnce) {
  TilePicker picker({});
  EXPECT_EQ(picker.next(0).kind, Kind::done);
}

}  // namespace
}  // namespace patchq::patch
