// TileGrid: exact coverage, boundaries, and grids finer than their box.
#include "common/patch/tile_grid.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace patchq::patch {
namespace {

TEST(TileGrid, OddBoxIsCoveredExactlyOnce) {
  const PixelRect box{3, 5, 1001, 997};
  const TileGrid grid(box, GridSize{7, 3});
  ASSERT_TRUE(check_grid(box, GridSize{7, 3}));
  std::vector<int> hits(static_cast<std::size_t>(box.w * box.h), 0);
  for (int r = 0; r < grid.rows(); ++r) {
    for (int c = 0; c < grid.cols(); ++c) {
      const PixelRect t = grid.tile(r, c);
      ASSERT_GE(t.x, box.x);
      ASSERT_GE(t.y, box.y);
      ASSERT_LE(t.right(), box.right());
      ASSERT_LE(t.bottom(), box.bottom());
      for (std::int64_t y = t.y; y < t.bottom(); ++y) {
        for (std::int64_t x = t.x; x < t.right(); ++x) {
          ++hits[static_cast<std::size_t>((y - box.y) * box.w + (x - box.x))];
        }
      }
    }
  }
  for (const int h : hits) ASSERT_EQ(h, 1);
}

TEST(TileGrid, BoundariesAreFloorOfEvenSplits) {
  // Columns: 1001 / 3 -> floor(0), floor(1001/3) = 333, floor(2002/3) = 667, 1001.
  // Rows: 997 / 7 -> 0, 142, 284, 427, 569, 712, 854, 997.
  const PixelRect box{3, 5, 1001, 997};
  const TileGrid grid(box, GridSize{7, 3});
  const std::int64_t col_edges[] = {0, 333, 667, 1001};
  const std::int64_t row_edges[] = {0, 142, 284, 427, 569, 712, 854, 997};
  for (int r = 0; r < 7; ++r) {
    for (int c = 0; c < 3; ++c) {
      const PixelRect expected{3 + col_edges[c], 5 + row_edges[r], col_edges[c + 1] - col_edges[c],
                               row_edges[r + 1] - row_edges[r]};
      EXPECT_EQ(grid.tile(r, c), expected) << "r" << r << "c" << c;
    }
  }
}

TEST(TileGrid, TileSizesDifferByAtMostOnePixel) {
  const PixelRect box{0, 0, 1001, 997};
  const TileGrid grid(box, GridSize{7, 3});
  std::int64_t min_w = box.w, max_w = 0, min_h = box.h, max_h = 0;
  for (int r = 0; r < 7; ++r) {
    for (int c = 0; c < 3; ++c) {
      const PixelRect t = grid.tile(r, c);
      min_w = std::min(min_w, t.w);
      max_w = std::max(max_w, t.w);
      min_h = std::min(min_h, t.h);
      max_h = std::max(max_h, t.h);
    }
  }
  EXPECT_LE(max_w - min_w, 1);
  EXPECT_LE(max_h - min_h, 1);
}

TEST(TileGrid, SampleGridGivesEqualTiles) {
  // patch (4x6) on 100,51 3000x2000: 6 columns of 500, 4 rows of 500.
  const TileGrid grid(PixelRect{100, 51, 3000, 2000}, GridSize{4, 6});
  EXPECT_EQ(grid.count(), 24);
  EXPECT_EQ(grid.tile(0, 0), (PixelRect{100, 51, 500, 500}));
  EXPECT_EQ(grid.tile(3, 5), (PixelRect{2600, 1551, 500, 500}));
}

TEST(TileGrid, GridAsFineAsTheBoxGivesOnePixelTiles) {
  const PixelRect box{10, 10, 6, 4};
  ASSERT_TRUE(check_grid(box, GridSize{4, 6}));
  const TileGrid grid(box, GridSize{4, 6});
  EXPECT_EQ(grid.tile(3, 5), (PixelRect{15, 13, 1, 1}));
}

TEST(TileGrid, GridFinerThanTheBoxIsAProblem) {
  EXPECT_EQ(check_grid(PixelRect{0, 0, 100, 3}, GridSize{4, 1}).error().reason,
            "grid 4x1 is finer than the 100x3 px box (a tile would be empty)");
  EXPECT_EQ(check_grid(PixelRect{0, 0, 5, 50}, GridSize{1, 6}).error().reason,
            "grid 1x6 is finer than the 5x50 px box (a tile would be empty)");
}

}  // namespace
}  // namespace patchq::patch
