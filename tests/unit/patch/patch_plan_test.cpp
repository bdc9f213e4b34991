// plan_patches on the shipped samples (expected numbers worked out by hand in each test) and
// on the per-annotation refusals that must never affect other annotations.
#include "common/patch/patch_plan.hpp"

#include <gtest/gtest.h>

#include "common/patch/tile_grid.hpp"
#include "common/webhook/payload_parser.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::patch {
namespace {

using patchq::testing::read_file;
using patchq::testing::source_path;

webhook::Item load(const char* relative) {
  auto result = webhook::parse_payload(read_file(source_path(relative)));
  EXPECT_TRUE(result.ok()) << result.error().reason;
  return std::move(result).value();
}

webhook::Annotation box(std::string id, std::string name, double x, double y, double w, double h) {
  return webhook::Annotation{std::move(id), std::move(name), webhook::BoundingBox{x, y, w, h}};
}

webhook::Item item_with(std::vector<webhook::Annotation> annotations) {
  webhook::Item item;
  item.name = "img.png";
  item.annotations = std::move(annotations);
  return item;
}

TEST(PlanPatches, V2SampleGivesTheDocumentedPatches) {
  const PatchPlan plan =
      plan_patches(load("tests/data/v7/webhook_v2.json"), ImageSize{4000, 3000}, {});
  ASSERT_EQ(plan.patches.size(), 3u);  // "car" is not a patch name: ignored, not skipped
  EXPECT_TRUE(plan.skipped.empty());
  // patch (4x6): edges 100.4 -> 100, 3100.4 -> 3100, 50.6 -> 51, 2050.6 -> 2051.
  EXPECT_EQ(plan.patches[0].annotation_id, "754f5f2c-0001-4000-8000-000000000001");
  EXPECT_EQ(plan.patches[0].box, (PixelRect{100, 51, 3000, 2000}));
  EXPECT_EQ(plan.patches[0].grid, (GridSize{4, 6}));
  // patch at 3900,2900 300x200 sticks out right and bottom: shifted to end at 4000 and 3000.
  EXPECT_EQ(plan.patches[1].box, (PixelRect{3700, 2800, 300, 200}));
  EXPECT_EQ(plan.patches[1].grid, (GridSize{1, 1}));
  // keypoint (120, 2990.5): 500x500 at -130..370 x 2741..3241, shifted to 0..500 x 2500..3000.
  EXPECT_EQ(plan.patches[2].box, (PixelRect{0, 2500, 500, 500}));
  EXPECT_EQ(plan.tile_count, 24 + 1 + 1);
}

TEST(PlanPatches, PatchWithAnUnusableValueIsSkippedWithTheParsersReason) {
  webhook::Annotation broken = box("p2", "patch", 0, 0, 10, 10);
  broken.problem = "annotations[1].bounding_box.w: expected a number, got null";
  webhook::Annotation car = box("c", "car", 0, 0, 10, 10);
  car.problem = "annotations[2].bounding_box.y: missing";
  const PatchPlan plan = plan_patches(item_with({box("p1", "patch", 0, 0, 10, 10), broken, car}),
                                      ImageSize{64, 64}, {});
  ASSERT_EQ(plan.patches.size(), 1u);
  EXPECT_EQ(plan.patches[0].annotation_id, "p1");
  ASSERT_EQ(plan.skipped.size(), 1u);  // the car's problem is nobody's business
  EXPECT_EQ(plan.skipped[0].annotation_id, "p2");
  EXPECT_EQ(plan.skipped[0].reason, broken.problem);
}

TEST(PlanPatches, MalformedCarBoxInAPayloadNeverSinksThePatches) {
  auto parsed = webhook::parse_payload(R"({"version": "2.0", "item": {"name": "a.png",
      "source_info": {"item_id": "i", "team": {"slug": "t"}, "dataset": {"slug": "d"}},
      "slots": [{"type": "image", "source_files": [{"url": "https://h/a.png"}]}]},
      "annotations": [{"id": "c", "name": "car", "bounding_box": {"x": null, "w": "wide"}},
                      {"id": "p", "name": "patch", "polygon": {"paths": [[{"x": 2, "y": 3},
                          {"x": 12, "y": 3}, {"x": 12, "y": 9}]]}}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  const PatchPlan plan = plan_patches(*parsed, ImageSize{64, 64}, {});
  ASSERT_EQ(plan.patches.size(), 1u);
  EXPECT_EQ(plan.patches[0].box, (PixelRect{2, 3, 10, 6}));
  EXPECT_TRUE(plan.skipped.empty());
}

TEST(SummariseSkips, CountsPerReasonMostFrequentFirstWithTheFirstExamples) {
  std::vector<SkippedAnnotation> skipped;
  for (int i = 0; i < 50'000; ++i) {
    skipped.push_back({"id-" + std::to_string(i), "patch",
                       i % 10 == 0 ? "box lies entirely outside the 64x64 image"
                                   : "annotations[0].bounding_box.w: missing"});
  }
  const std::string summary = summarise_skips(skipped);
  EXPECT_EQ(summary,
            "50000 patch annotations skipped: 45000 x annotations[0].bounding_box.w: missing; "
            "5000 x box lies entirely outside the 64x64 image; e.g. id-0 \"patch\": box lies "
            "entirely outside the 64x64 image, id-1 \"patch\": annotations[0].bounding_box.w: "
            "missing, id-2 \"patch\": annotations[0].bounding_box.w: missing");
  EXPECT_EQ(summarise_skips({}), "");
  EXPECT_EQ(summarise_skips({{"a", "patch (0x1)", "malformed grid"}}),
            "1 patch annotation skipped: 1 x malformed grid; e.g. a \"patch (0x1)\"");
}

TEST(SummariseSkips, StaysBoundedWhateverTheReasons) {
  std::vector<SkippedAnnotation> skipped;
  for (int i = 0; i < 1000; ++i) {
    skipped.push_back({std::string(500, 'i'), std::string(500, 'n'),
                       "reason " + std::to_string(i) + std::string(500, 'r')});
  }
  const std::string summary = summarise_skips(skipped);
  EXPECT_LT(summary.size(), 2000u);
  EXPECT_NE(summary.find("; and 995 more reasons"), std::string::npos) << summary;
}

TEST(PlanPatches, V2SampleGridTilesAreExact) {
  const PatchPlan plan =
      plan_patches(load("tests/data/v7/webhook_v2.json"), ImageSize{4000, 3000}, {});
  ASSERT_FALSE(plan.patches.empty());
  const TileGrid grid(plan.patches[0].box, plan.patches[0].grid);
  ASSERT_EQ(grid.count(), 24);
  // 3000 / 6 = 500 px columns from x = 100; 2000 / 4 = 500 px rows from y = 51.
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) {
      EXPECT_EQ(grid.tile(r, c), (PixelRect{100 + 500 * c, 51 + 500 * r, 500, 500}));
    }
  }
}

TEST(PlanPatches, LegacySampleGivesSixPlusOneTiles) {
  const PatchPlan plan =
      plan_patches(load("tests/data/v7/webhook_legacy.json"), ImageSize{1000, 800}, {});
  ASSERT_EQ(plan.patches.size(), 2u);  // "tree" ignored
  EXPECT_EQ(plan.patches[0].annotation_id, "a1");
  EXPECT_EQ(plan.patches[0].box, (PixelRect{0, 0, 600, 400}));
  EXPECT_EQ(plan.patches[0].grid, (GridSize{2, 3}));
  const TileGrid grid(plan.patches[0].box, plan.patches[0].grid);
  // 600 / 3 = 200 px columns, 400 / 2 = 200 px rows.
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(grid.tile(r, c), (PixelRect{200 * c, 200 * r, 200, 200}));
  }
  EXPECT_EQ(plan.patches[1].annotation_id, "a2");
  EXPECT_EQ(plan.patches[1].box, (PixelRect{10, 10, 64, 64}));
  EXPECT_EQ(plan.tile_count, 7);
}

TEST(PlanPatches, MalformedGridSkipsOnlyThatAnnotation) {
  const PatchPlan plan = plan_patches(
      item_with({box("a", "patch (0x3)", 0, 0, 10, 10), box("b", "patch (2x2)", 0, 0, 10, 10),
                 box("c", "patch (4x)", 0, 0, 10, 10)}),
      ImageSize{100, 100}, {});
  ASSERT_EQ(plan.patches.size(), 1u);
  EXPECT_EQ(plan.patches[0].annotation_id, "b");
  ASSERT_EQ(plan.skipped.size(), 2u);
  EXPECT_EQ(plan.skipped[0].annotation_id, "a");
  EXPECT_EQ(plan.skipped[0].annotation_name, "patch (0x3)");
  EXPECT_EQ(plan.skipped[0].reason, "malformed grid: grid rows must be 1..64, got 0");
  EXPECT_EQ(plan.skipped[1].reason, "malformed grid: expected a number of columns after the 'x'");
}

TEST(PlanPatches, BoxOutsideTheImageIsSkippedWithItsReason) {
  const PatchPlan plan =
      plan_patches(item_with({box("a", "patch", 500, 0, 10, 10)}), ImageSize{100, 100}, {});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].reason, "box lies entirely outside the 100x100 image");
}

TEST(PlanPatches, GridFinerThanThePlacedBoxIsSkipped) {
  const PatchPlan plan =
      plan_patches(item_with({box("a", "patch (8x1)", 0, 0, 10, 5)}), ImageSize{100, 100}, {});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].reason,
            "grid 8x1 is finer than the 10x5 px box (a tile would be empty)");
}

TEST(PlanPatches, PatchWithoutGeometryIsSkipped) {
  webhook::Item item = item_with({webhook::Annotation{"t", "patch", webhook::NoGeometry{}}});
  const PatchPlan plan = plan_patches(item, ImageSize{100, 100}, {});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].reason, "has no bounding box or keypoint");
}

TEST(PlanPatches, DuplicateIdsWouldCollideSoTheSecondIsSkipped) {
  const PatchPlan plan = plan_patches(
      item_with({box("same", "patch", 0, 0, 10, 10), box("same", "crop", 20, 20, 10, 10)}),
      ImageSize{100, 100}, {});
  ASSERT_EQ(plan.patches.size(), 1u);
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].annotation_name, "crop");
  EXPECT_EQ(plan.skipped[0].reason,
            "another patch annotation has the same id (tile names would collide)");
}

TEST(PlanPatches, OverlongIdsAreSkipped) {
  const PatchPlan plan = plan_patches(item_with({box(std::string(65, 'i'), "patch", 0, 0, 10, 10)}),
                                      ImageSize{100, 100}, {});
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].reason, "annotation id is longer than 64 bytes");
}

TEST(PlanPatches, TileLimitSkipsPatchesThatWouldExceedIt) {
  PatchRules rules;
  rules.max_tiles = 25;
  const PatchPlan plan =
      plan_patches(load("tests/data/v7/webhook_v2.json"), ImageSize{4000, 3000}, rules);
  ASSERT_EQ(plan.patches.size(), 2u);  // 24 + 1 fit, the keypoint's tile would be the 26th
  EXPECT_EQ(plan.tile_count, 25);
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].annotation_id, "754f5f2c-0003-4000-8000-000000000003");
  EXPECT_EQ(plan.skipped[0].reason, "the item would exceed the limit of 25 tiles");
}

TEST(PlanPatches, EmptyAnnotationListPlansNothing) {
  const PatchPlan plan = plan_patches(item_with({}), ImageSize{100, 100}, {});
  EXPECT_TRUE(plan.patches.empty());
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_EQ(plan.tile_count, 0);
}

}  // namespace
}  // namespace patchq::patch
