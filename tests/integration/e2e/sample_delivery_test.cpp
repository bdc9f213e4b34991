// The shared sample through the whole chain: a generated 4000x3000 street_0042.jpg carrying the
// annotations of tests/data/v7/webhook_v2.json goes into the stand-in, its payload is posted
// to the receiver, the workers fetch, cut and upload; the target dataset must then hold exactly
// the tiles the engine cuts locally, each with the pixels of its ROI of the source image.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/local_tiles.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

TEST(SampleDelivery, EveryExpectedTileArrivesWithTheSourcePixels) {
  Chain chain;
  const std::string image = street_image_jpeg(4000, 3000);
  const std::string payload = with_annotations(
      chain.add_image("street-scenes", "street_0042.jpg", image), sample_annotations());

  const patch::TileResult expected = cut_like_the_worker(payload, image);
  ASSERT_TRUE(expected.ok()) << expected.error;
  // webhook_v2.json: a 4x6 grid, a box and a keypoint named "patch" (both clipped at the
  // image's edge), and a "car" box that is no patch.
  ASSERT_EQ(expected.tiles.size(), 26u);
  std::set<std::string> expected_names;
  for (const auto& tile : expected.tiles) expected_names.insert(tile.name);
  ASSERT_EQ(expected_names.size(), expected.tiles.size());

  const auto reply = chain.post_webhook(payload, "street-patches");
  ASSERT_EQ(reply.status, 202) << reply.body;

  std::vector<DatasetItem> items;
  const bool arrived = testing::wait_until(
      [&] {
        items = chain.dataset_items("street-patches");
        return items.size() >= expected_names.size();
      },
      60s, 50ms);
  ASSERT_TRUE(arrived) << items.size() << " of " << expected_names.size() << " tiles\n"
                       << chain.logs();
  std::set<std::string> names;
  for (const auto& item : items) names.insert(item.name);
  EXPECT_EQ(names, expected_names);
  EXPECT_EQ(items.size(), expected_names.size()) << "duplicates in the target dataset";

  const cv::Mat source = cv::imdecode(
      cv::Mat(1, static_cast<int>(image.size()), CV_8UC1, const_cast<char*>(image.data())),
      cv::IMREAD_COLOR);
  ASSERT_EQ(source.cols, 4000);
  for (const auto& tile : expected.tiles) {
    if (!names.contains(tile.name)) continue;
    const std::string bytes = chain.dataset_file("street-patches", tile.name);
    const cv::Mat delivered = cv::imdecode(
        cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
        cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(delivered.empty()) << tile.name << " does not decode";
    const cv::Mat roi =
        source(cv::Rect(static_cast<int>(tile.rect.x), static_cast<int>(tile.rect.y),
                        static_cast<int>(tile.rect.w), static_cast<int>(tile.rect.h)));
    ASSERT_EQ(delivered.size(), roi.size()) << tile.name;
    ASSERT_EQ(delivered.type(), roi.type()) << tile.name;
    EXPECT_EQ(cv::norm(delivered, roi, cv::NORM_INF), 0.0) << tile.name << " pixels differ";
  }

  QueueCounts counts;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= 1;
      },
      30s, 50ms))
      << chain.logs();
  EXPECT_EQ(counts.done, 1);
  EXPECT_EQ(counts.dead, 0);
}

}  // namespace
}  // namespace patchq::e2e
