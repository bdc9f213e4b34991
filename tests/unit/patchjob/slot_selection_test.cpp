// select_slots: which image each patch annotation of a (multi-slot) item is cut from.
#include "common/patchjob/slot_selection.hpp"

#include <gtest/gtest.h>

#include "common/patch/tile_name.hpp"
#include "common/webhook/payload_parser.hpp"

namespace patchq::patchjob {
namespace {

webhook::Item parse(const std::string& slots, const std::string& annotations) {
  auto parsed = webhook::parse_payload(
      R"({"version": "2.0", "item": {"name": "scan.jpg", "source_info": {"item_id": "i",
          "team": {"slug": "t"}, "dataset": {"slug": "d"}}, "slots": )" +
      slots + R"(}, "annotations": )" + annotations + "}");
  EXPECT_TRUE(parsed.ok()) << parsed.error().reason;
  return std::move(parsed).value();
}

const std::string kTwoImagesAndAVideo = R"([
    {"type": "image", "slot_name": "left", "source_files": [{"url": "https://h/l.jpg"}]},
    {"type": "video", "slot_name": "clip", "source_files": [{"url": "https://h/c.mp4"}]},
    {"type": "image", "slot_name": "right", "source_files": [{"url": "https://h/r.jpg"}]}])";

TEST(SelectSlots, EachPatchGoesToTheSlotItNamesAndSlotsKeepPayloadOrder) {
  const webhook::Item item = parse(kTwoImagesAndAVideo, R"([
      {"id": "a", "name": "patch", "slot_names": ["right"], "keypoint": {"x": 1, "y": 1}},
      {"id": "b", "name": "patch", "keypoint": {"x": 1, "y": 1}},
      {"id": "c", "name": "car", "slot_names": ["right"], "keypoint": {"x": 1, "y": 1}},
      {"id": "d", "name": "crop", "slot_names": ["left"], "keypoint": {"x": 1, "y": 1}}])");
  const SlotSelection selection = select_slots(item, {});
  ASSERT_EQ(selection.views.size(), 2u);
  EXPECT_EQ(selection.views[0].slot.slot_name, "left");
  EXPECT_EQ(selection.views[0].slot.file_url, "https://h/l.jpg");
  ASSERT_EQ(selection.views[0].annotations.size(), 2u);  // no slot_names: the first image slot
  EXPECT_EQ(selection.views[0].annotations[0].id, "b");
  EXPECT_EQ(selection.views[0].annotations[1].id, "d");
  EXPECT_EQ(selection.views[1].slot.slot_name, "right");
  ASSERT_EQ(selection.views[1].annotations.size(), 1u);  // "car" is no patch
  EXPECT_EQ(selection.views[1].annotations[0].id, "a");
  EXPECT_TRUE(selection.skipped.empty());
}

TEST(SelectSlots, APatchOnAVideoSlotOrAnUnknownSlotIsSkippedWithTheReason) {
  const webhook::Item item = parse(kTwoImagesAndAVideo, R"([
      {"id": "v", "name": "patch", "slot_names": ["clip"], "keypoint": {"x": 1, "y": 1}},
      {"id": "u", "name": "patch", "slot_names": ["nowhere"], "keypoint": {"x": 1, "y": 1}}])");
  const SlotSelection selection = select_slots(item, {});
  EXPECT_TRUE(selection.views.empty());
  ASSERT_EQ(selection.skipped.size(), 2u);
  EXPECT_EQ(selection.skipped[0].annotation_id, "v");
  EXPECT_EQ(selection.skipped[0].reason,
            "names slot \"clip\", which is not an image slot of the item");
  EXPECT_EQ(selection.skipped[1].reason,
            "names slot \"nowhere\", which is not an image slot of the item");
}

TEST(SelectSlots, ASingleSlotItemIsOneViewWithItsPatches) {
  const webhook::Item item = parse(
      R"([{"type": "image", "slot_name": "0", "source_files": [{"url": "https://h/a.jpg"}]}])",
      R"([{"id": "a", "name": "patch", "slot_names": ["0"], "keypoint": {"x": 1, "y": 1}}])");
  const SlotSelection selection = select_slots(item, {});
  ASSERT_EQ(selection.views.size(), 1u);
  EXPECT_EQ(selection.views[0].annotations.size(), 1u);
  // Single-slot items keep today's tile names: no slot in the stem.
  EXPECT_EQ(patch::tile_stem(selection.views[0]), "scan");
}

TEST(TileStem, CarriesTheSlotNameOnlyWhenTheItemHasSeveralImageSlots) {
  const webhook::Item item = parse(kTwoImagesAndAVideo, R"([
      {"id": "a", "name": "patch", "slot_names": ["right"], "keypoint": {"x": 1, "y": 1}}])");
  const SlotSelection selection = select_slots(item, {});
  ASSERT_EQ(selection.views.size(), 1u);
  EXPECT_EQ(patch::tile_stem(selection.views[0]), "scan_right");
  EXPECT_EQ(patch::tile_name(patch::tile_stem(selection.views[0]), "a", "k", 0, 1, "png"),
            "scan_right_a_k_r0c1.png");
  webhook::Item odd = selection.views[0];
  odd.slot.slot_name = "a/b\x01" + std::string(40, 'x');
  EXPECT_EQ(patch::tile_stem(odd), "scan_a_b_" + std::string(28, 'x'));  // 32 bytes of slot
}

TEST(SelectSlots, NoPatchAnnotationsMeansNothingToFetch) {
  const webhook::Item item = parse(kTwoImagesAndAVideo, R"([{"id": "c", "name": "car"}])");
  EXPECT_TRUE(select_slots(item, {}).views.empty());
}

}  // namespace
}  // namespace patchq::patchjob
