#include "common/annotations/tile_clip.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/annotations/carried_id.hpp"

namespace patchq::annotations {
namespace {

const TileRect kTile{100, 50, 200, 150};

CarriedAnnotation polygon(std::vector<Path> paths) {
  CarriedAnnotation a;
  a.id = "src";
  a.name = "car";
  a.kind = ShapeKind::polygon;
  a.paths = std::move(paths);
  return a;
}

TEST(TileClip, BoxIsIntersectedAndShifted) {
  CarriedAnnotation a;
  a.kind = ShapeKind::bounding_box;
  a.box = {150, 20, 100, 60};
  auto out = clip_to_tile(a, kTile);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->box, (Box{50, 0, 50, 30}));
}

TEST(TileClip, BoxOutsideOrTouchingOnlyIsDropped) {
  CarriedAnnotation a;
  a.kind = ShapeKind::bounding_box;
  a.box = {200, 50, 10, 10};  // shares the right border line only
  EXPECT_FALSE(clip_to_tile(a, kTile));
}

TEST(TileClip, KeypointOnASharedBorderGoesToOneTile) {
  CarriedAnnotation a;
  a.kind = ShapeKind::keypoint;
  a.keypoint = {200, 80};
  EXPECT_FALSE(clip_to_tile(a, kTile));
  auto right = clip_to_tile(a, TileRect{200, 50, 300, 150});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->keypoint, (Point{0, 30}));
}

TEST(TileClip, TagGoesToEveryTile) {
  CarriedAnnotation a;
  a.kind = ShapeKind::tag;
  EXPECT_TRUE(clip_to_tile(a, kTile));
}

TEST(TileClip, PolygonInsideIsOnlyShifted) {
  auto out = clip_to_tile(polygon({{{110, 60}, {120, 60}, {120, 70}}}), kTile);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->paths[0], (Path{{10, 10}, {20, 10}, {20, 20}}));
  EXPECT_EQ(out->box, (Box{10, 10, 10, 10}));
}

TEST(TileClip, PolygonCoveringTheTileBecomesTheTile) {
  auto out = clip_to_tile(polygon({{{0, 0}, {500, 0}, {500, 500}, {0, 500}}}), kTile);
  ASSERT_TRUE(out);
  EXPECT_DOUBLE_EQ(std::abs(signed_area(out->paths[0])), 100.0 * 100.0);
  EXPECT_EQ(out->box, (Box{0, 0, 100, 100}));
}

TEST(TileClip, UShapeThatLeavesAndReentersKeepsItsAreaAndTrueBounds) {
  // A U whose bottom lies below the tile: two prongs enter from below, joined outside.
  const Path u{{120, 100}, {130, 100}, {130, 200}, {170, 200},
               {170, 100}, {180, 100}, {180, 220}, {120, 220}};
  auto out = clip_to_tile(polygon({u}), kTile);
  ASSERT_TRUE(out);
  // Two prongs of 10 x 50 each; the joining edge runs along the bottom border.
  EXPECT_NEAR(std::abs(signed_area(out->paths[0])), 2 * 10 * 50, 1e-9);
  EXPECT_EQ(out->box, (Box{20, 50, 60, 50}));
}

TEST(TileClip, HoleClippedOnItsOwnKeepsEvenOdd) {
  const Path outline{{90, 40}, {160, 40}, {160, 110}, {90, 110}};
  const Path hole{{95, 45}, {150, 45}, {150, 100}, {95, 100}};
  auto out = clip_to_tile(polygon({outline, hole}), kTile);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->paths.size(), 2u);
  const double area = std::abs(signed_area(out->paths[0])) - std::abs(signed_area(out->paths[1]));
  EXPECT_NEAR(area, 60.0 * 60.0 - 50.0 * 50.0, 1e-9);
}

TEST(TileClip, PolygonOutsideOrWithoutAreaIsDropped) {
  EXPECT_FALSE(clip_to_tile(polygon({{{0, 0}, {10, 0}, {10, 10}}}), kTile));
  // Only a sliver along the border line.
  EXPECT_FALSE(clip_to_tile(polygon({{{200, 60}, {210, 60}, {210, 70}, {200, 70}}}), kTile));
}

TEST(TileClip, CornersInsideThePolygonMakeTheBounds) {
  // A triangle around the whole tile: no vertex inside, no edge crossing the border; only the
  // tile's corners lie in the region.
  auto bounds = region_bounds({{{0, 0}, {1000, 0}, {0, 1000}}}, kTile);
  ASSERT_TRUE(bounds);
  EXPECT_EQ(*bounds, (Box{100, 50, 100, 100}));
  // Its hypotenuse cut through the tile: the corner (200, 150) is no longer in it.
  bounds = region_bounds({{{0, 0}, {300, 0}, {0, 300}}}, kTile);
  ASSERT_TRUE(bounds);
  EXPECT_EQ(*bounds, (Box{100, 50, 100, 100}));
  bounds = region_bounds({{{0, 0}, {260, 0}, {0, 260}}}, kTile);
  ASSERT_TRUE(bounds);
  EXPECT_EQ(*bounds, (Box{100, 50, 100, 100}));
  bounds = region_bounds({{{0, 0}, {220, 0}, {0, 220}}}, kTile);
  ASSERT_TRUE(bounds);
  EXPECT_NEAR(bounds->w, 70, 1e-9);  // x + y <= 220 inside x >= 100, y >= 50: x up to 170
  EXPECT_NEAR(bounds->h, 70, 1e-9);
}

TEST(TileClip, TileAnnotationsGetTheirOwnStableIds) {
  CarriedAnnotation a;
  a.id = "754f5f2c-0004-4000-8000-000000000004";
  a.name = "sunny";
  a.kind = ShapeKind::tag;
  const auto left = annotations_for_tile({a}, kTile, "x_r0c0.png");
  const auto right = annotations_for_tile({a}, kTile, "x_r0c1.png");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].id, right[0].id);
  EXPECT_EQ(left[0].id, carried_annotation_id(a.id, "sunny", "x_r0c0.png"));
  EXPECT_EQ(left[0].id.size(), 36u);
  EXPECT_EQ(left[0].id[14], '8');  // version 8
}

}  // namespace
}  // namespace patchq::annotations
