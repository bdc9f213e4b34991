// cut_tiles with a decoded-bytes budget (TileOptions::decoded_budget): what a decode reserves
// (the image, a rotation copy, a progressive JPEG's coefficients, or only the bands of a region
// decode), that it waits while others hold the budget, that a stop or the longest wait ends the
// wait, and that the bytes come back on every way out.
#include <gtest/gtest.h>

#include <future>
#include <opencv2/imgproc.hpp>

#include "common/patch/tiler.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace std::chrono_literals;
using namespace test_images;

webhook::Item item_with(std::vector<webhook::Annotation> annotations) {
  webhook::Item item;
  item.item_id = "item-1";
  item.name = "scene.jpg";
  item.annotations = std::move(annotations);
  return item;
}

webhook::Annotation box(std::string id, std::string name, double x, double y, double w, double h) {
  return webhook::Annotation{std::move(id), std::move(name), webhook::BoundingBox{x, y, w, h}};
}

std::shared_ptr<DecodedBudget> budget_of(std::uint64_t bytes,
                                         std::chrono::milliseconds max_wait = 10s) {
  DecodedBudget::Options options;
  options.capacity = bytes;
  options.max_wait = max_wait;
  options.poll = 5ms;
  return std::make_shared<DecodedBudget>(options);
}

TileOptions with_budget(std::shared_ptr<DecodedBudget> budget) {
  TileOptions options;
  options.log_skips = false;
  options.decoded_budget = std::move(budget);
  return options;
}

const TileSink kKeepAll = [](Tile&&) { return true; };

std::string jpeg_with_orientation(const std::string& jpeg, int orientation) {
  return with_orientation(jpeg, orientation);
}

TEST(DecodeReservation, CountsTheImageTheRotationCopyAndTheCoefficients) {
  ImageHeader header{ImageFormat::jpeg, 100, 50, 6, 3, 1};
  EXPECT_EQ(decode_reservation_bytes(header, false, 0, 1'000'000), 15'000u);
  EXPECT_EQ(decode_reservation_bytes(header, true, 0, 1'000'000), 30'000u);
  header.coefficient_bytes = 20'000;  // freed before the rotation copy: the larger of the two
  EXPECT_EQ(decode_reservation_bytes(header, false, 0, 1'000'000), 35'000u);
  EXPECT_EQ(decode_reservation_bytes(header, true, 0, 1'000'000), 35'000u);
  header.coefficient_bytes = 0;
  EXPECT_EQ(decode_reservation_bytes(header, false, 4'000, 1'000'000), 4'000u);  // the bands
  EXPECT_EQ(decode_reservation_bytes(header, true, 0, 20'000), 20'000u);  // never over the limit
}

TEST(CutTilesWithBudget, ReservesTheDecodedImageAndGivesItBack) {
  const auto budget = budget_of(1 << 20);
  const TileResult result =
      cut_tiles(item_with({box("a", "patch (2x2)", 0, 0, 64, 48)}),
                encode(noise(64, 48, CV_8UC3), ".png"), with_budget(budget), kKeepAll);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.tile_count, 4);
  EXPECT_EQ(budget->stats().peak, 64u * 48 * 3);
  EXPECT_EQ(budget->stats().reserved, 0u);
  EXPECT_EQ(result.timings.budget_wait_ms, 0.0);
}

TEST(CutTilesWithBudget, ARotatedJpegReservesItsCopyAndAProgressiveOneItsCoefficients) {
  const cv::Mat picture = noise(64, 32, CV_8UC3);
  const auto rotated_budget = budget_of(1 << 20);
  const TileResult rotated =
      cut_tiles(item_with({}), jpeg_with_orientation(encode(picture, ".jpg"), 6),
                with_budget(rotated_budget), kKeepAll);
  ASSERT_TRUE(rotated.ok()) << rotated.error;
  EXPECT_EQ(rotated_budget->stats().peak, 2u * 64 * 32 * 3);

  const auto progressive_budget = budget_of(1 << 20);
  const TileResult progressive =
      cut_tiles(item_with({}), encode(picture, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
                with_budget(progressive_budget), kKeepAll);
  ASSERT_TRUE(progressive.ok()) << progressive.error;
  // 4:2:0: 8x4 luma blocks and 4x2 of each chroma, 128 bytes a block.
  EXPECT_EQ(progressive_budget->stats().peak, 64u * 32 * 3 + (32 + 8 + 8) * 128);
}

TEST(CutTilesWithBudget, ARegionDecodeReservesOnlyItsBands) {
  cv::Mat image = noise(1200, 900, CV_8UC3, 3);
  cv::GaussianBlur(image, image, cv::Size(9, 9), 0);
  const auto budget = budget_of(1 << 30);
  const TileResult result = cut_tiles(item_with({box("a", "patch", 100, 100, 200, 100)}),
                                      encode(image, ".jpg"), with_budget(budget), kKeepAll);
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_GT(result.decoded_regions, 0);
  EXPECT_EQ(budget->stats().peak, 200u * 100 * 3);
  EXPECT_EQ(budget->stats().reserved, 0u);
}

TEST(CutTilesWithBudget, WaitsWhileAnotherJobHoldsTheBudgetThenRuns) {
  const auto budget = budget_of(20'000);
  auto held = budget->reserve(15'000, {});
  ASSERT_TRUE(held.ok());
  const std::string png = encode(noise(64, 48, CV_8UC3), ".png");  // 9216 bytes decoded
  auto tiled = std::async(std::launch::async, [&] {
    return cut_tiles(item_with({box("a", "patch", 0, 0, 64, 48)}), png, with_budget(budget),
                     kKeepAll);
  });
  ASSERT_TRUE(testing::wait_until([&] { return budget->stats().waiting == 1; }, 5s, 1ms));
  held->release();
  ASSERT_EQ(tiled.wait_for(10s), std::future_status::ready);
  const TileResult result = tiled.get();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.tile_count, 1);
  EXPECT_GT(result.timings.budget_wait_ms, 0.0);
  EXPECT_EQ(budget->stats().reserved, 0u);
}

TEST(CutTilesWithBudget, AnImageLargerThanTheBudgetRunsAloneWithAllOfIt) {
  const auto budget = budget_of(1'000);
  const TileResult result =
      cut_tiles(item_with({box("a", "patch", 0, 0, 64, 48)}),
                encode(noise(64, 48, CV_8UC3), ".png"), with_budget(budget), kKeepAll);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(budget->stats().peak, 1'000u);
}

TEST(CutTilesWithBudget, AStopWhileWaitingCancelsWithoutTiles) {
  const auto budget = budget_of(1'000);
  auto held = budget->reserve(1'000, {});
  ASSERT_TRUE(held.ok());
  std::atomic<bool> stop{false};
  int delivered = 0;
  auto tiled = std::async(std::launch::async, [&] {
    return cut_tiles(
        item_with({box("a", "patch", 0, 0, 64, 48)}), encode(noise(64, 48, CV_8UC3), ".png"),
        with_budget(budget),
        [&](Tile&&) {
          ++delivered;
          return true;
        },
        [&] { return stop.load(); });
  });
  ASSERT_TRUE(testing::wait_until([&] { return budget->stats().waiting == 1; }, 5s, 1ms));
  stop = true;
  ASSERT_EQ(tiled.wait_for(10s), std::future_status::ready);
  const TileResult result = tiled.get();
  EXPECT_EQ(result.status, TileStatus::cancelled);
  EXPECT_NE(result.error.find("stopped after waiting"), std::string::npos) << result.error;
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(budget->stats().reserved, 1'000u);  // only the holder's
}

TEST(CutTilesWithBudget, TheLongestWaitEndsWithBudgetTimeout) {
  const auto budget = budget_of(1'000, 20ms);
  auto held = budget->reserve(1'000, {});
  ASSERT_TRUE(held.ok());
  const TileResult result =
      cut_tiles(item_with({box("a", "patch", 0, 0, 64, 48)}),
                encode(noise(64, 48, CV_8UC3), ".png"), with_budget(budget), kKeepAll);
  EXPECT_EQ(result.status, TileStatus::budget_timeout);
  EXPECT_STREQ(status_name(result.status), "budget_timeout");
  EXPECT_NE(result.error.find("gave up after waiting"), std::string::npos) << result.error;
  EXPECT_GE(result.timings.budget_wait_ms, 20.0);
}

TEST(CutTilesWithBudget, ARefusedDecodeGivesTheBytesBack) {
  std::string jpeg = encode(noise(256, 256, CV_8UC3), ".jpg");
  jpeg.resize(jpeg.size() / 2);
  const auto budget = budget_of(1 << 20);
  const TileResult result = cut_tiles(item_with({box("a", "patch", 0, 0, 256, 256)}), jpeg,
                                      with_budget(budget), kKeepAll);
  EXPECT_EQ(result.status, TileStatus::decode_failed);
  EXPECT_EQ(budget->stats().peak, 256u * 256 * 3);
  EXPECT_EQ(budget->stats().reserved, 0u);
}

}  // namespace
}  // namespace patchq::patch
