// Box math: edge rounding, keypoint boxes, shifting inside, clipping, refusals.
#include "common/patch/patch_box.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace patchq::patch {
namespace {

using webhook::BoundingBox;
using webhook::Keypoint;
using webhook::NoGeometry;

const ImageSize kImage{4000, 3000};

PixelRect placed(const webhook::Geometry& g, ImageSize image = kImage, BoxRules rules = {}) {
  const BoxPlacement p = place_box(g, image, rules);
  EXPECT_TRUE(p.box.has_value()) << p.reason;
  return p.box.value_or(PixelRect{});
}

std::string refused(const webhook::Geometry& g, ImageSize image = kImage) {
  const BoxPlacement p = place_box(g, image, BoxRules{});
  EXPECT_FALSE(p.box.has_value());
  return p.reason;
}

TEST(PlaceBox, RoundsEdgesRatherThanOriginAndSize) {
  // Edges 0.4 -> 0 and 1.6 -> 2: two pixels wide (rounding x and w separately would give 1).
  EXPECT_EQ(placed(BoundingBox{0.4, 0.4, 1.2, 1.2}), (PixelRect{0, 0, 2, 2}));
  // Edges 10.6 -> 11 and 12.4 -> 12: one pixel wide (separately it would be 2).
  EXPECT_EQ(placed(BoundingBox{10.6, 10.6, 1.8, 1.8}), (PixelRect{11, 11, 1, 1}));
}

TEST(PlaceBox, RoundsHalvesUp) {
  // 10.5 -> 11, 15.5 -> 16.
  EXPECT_EQ(placed(BoundingBox{10.5, 20.5, 5.0, 5.0}), (PixelRect{11, 21, 5, 5}));
}

TEST(PlaceBox, SampleBoxKeepsItsPixelSize) {
  // 100.4 -> 100, 3100.4 -> 3100; 50.6 -> 51, 2050.6 -> 2051.
  EXPECT_EQ(placed(BoundingBox{100.4, 50.6, 3000.0, 2000.0}), (PixelRect{100, 51, 3000, 2000}));
}

TEST(PlaceBox, KeypointGivesAFixedBoxCentredOnThePoint) {
  EXPECT_EQ(placed(Keypoint{1000.0, 800.0}), (PixelRect{750, 550, 500, 500}));
  BoxRules small;
  small.keypoint_size = 64;
  EXPECT_EQ(placed(Keypoint{100.0, 100.0}, kImage, small), (PixelRect{68, 68, 64, 64}));
}

TEST(PlaceBox, KeypointNearACornerIsShiftedInside) {
  // Sample keypoint (120, 2990.5): x edges -130..370 -> 0..500;
  // y edges 2740.5 -> 2741 .. 3241 -> shifted up to 2500..3000.
  EXPECT_EQ(placed(Keypoint{120.0, 2990.5}), (PixelRect{0, 2500, 500, 500}));
}

TEST(PlaceBox, BoxPastTheRightAndBottomIsShiftedInside) {
  // Sample: 3900,2900 300x200 in 4000x3000 -> 3700..4000 x 2800..3000.
  EXPECT_EQ(placed(BoundingBox{3900.0, 2900.0, 300.0, 200.0}), (PixelRect{3700, 2800, 300, 200}));
}

TEST(PlaceBox, BoxPastTheLeftAndTopIsShiftedInside) {
  EXPECT_EQ(placed(BoundingBox{-50.0, -20.0, 100.0, 100.0}), (PixelRect{0, 0, 100, 100}));
}

TEST(PlaceBox, BoxLargerThanTheImageIsClipped) {
  // Width 200 > 100: clipped to the image (-10..190 -> 0..100); height 20 fits and stays.
  EXPECT_EQ(placed(BoundingBox{-10.0, 5.0, 200.0, 20.0}, ImageSize{100, 80}),
            (PixelRect{0, 5, 100, 20}));
  EXPECT_EQ(placed(BoundingBox{-1e6, -1e6, 1e7, 1e7}, ImageSize{100, 80}),
            (PixelRect{0, 0, 100, 80}));
}

TEST(PlaceBox, BoxEntirelyOutsideIsRefused) {
  EXPECT_EQ(refused(BoundingBox{5000.0, 10.0, 100.0, 100.0}),
            "box lies entirely outside the 4000x3000 image");
  // Touching the edge is outside: no pixel of the image is covered.
  EXPECT_EQ(refused(BoundingBox{4000.0, 10.0, 100.0, 100.0}),
            "box lies entirely outside the 4000x3000 image");
  EXPECT_EQ(refused(BoundingBox{-100.0, 10.0, 100.0, 100.0}),
            "box lies entirely outside the 4000x3000 image");
  EXPECT_EQ(refused(Keypoint{-1000.0, 10.0}), "box lies entirely outside the 4000x3000 image");
}

TEST(PlaceBox, BoxEmptyAfterRoundingIsRefused) {
  EXPECT_EQ(refused(BoundingBox{1.1, 1.0, 0.3, 10.0}),
            "box is empty after rounding its edges to whole pixels");
  EXPECT_EQ(refused(BoundingBox{1.0, 1.0, 0.0, 0.0}),
            "box is empty after rounding its edges to whole pixels");
}

TEST(PlaceBox, AnnotationWithoutGeometryIsRefused) {
  EXPECT_EQ(refused(NoGeometry{}), "has no bounding box or keypoint");
}

TEST(PlaceBox, EmptyImageIsRefused) {
  EXPECT_EQ(refused(BoundingBox{0, 0, 1, 1}, ImageSize{0, 0}), "the image is empty");
}

TEST(PlaceBox, OutOfContractValuesGiveNoBoxOrABoxInsideTheImage) {
  // The parser never lets these through; the box math must still stay defined and in bounds.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const webhook::Geometry cases[] = {BoundingBox{1e300, 0, 1e300, 10},
                                     BoundingBox{-1e300, -1e300, 1e300, 1e300},
                                     BoundingBox{-inf, 0, inf, 10},
                                     BoundingBox{0, 0, inf, inf},
                                     BoundingBox{nan, nan, nan, nan},
                                     Keypoint{1e18, -1e18},
                                     Keypoint{nan, 5},
                                     BoundingBox{-9e15, -9e15, 1.8e16, 1.8e16}};
  for (const auto& g : cases) {
    const BoxPlacement p = place_box(g, kImage, BoxRules{});
    if (!p.box) {
      EXPECT_FALSE(p.reason.empty());
      continue;
    }
    EXPECT_GE(p.box->x, 0);
    EXPECT_GE(p.box->y, 0);
    EXPECT_GE(p.box->w, 1);
    EXPECT_GE(p.box->h, 1);
    EXPECT_LE(p.box->right(), kImage.width);
    EXPECT_LE(p.box->bottom(), kImage.height);
  }
  // A huge finite box covering the image is clipped to it.
  EXPECT_EQ(placed(BoundingBox{-9e15, -9e15, 1.8e16, 1.8e16}), (PixelRect{0, 0, 4000, 3000}));
}

}  // namespace
}  // namespace patchq::patch
