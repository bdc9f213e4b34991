// An annotator moves a patch box and sends the item through the stage again: same item, same
// annotation id, new geometry. The second job must cut new tiles from the new box (their
// names carry the geometry), not take the old tiles for them because the names match.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAnnotation = "e0000000-0000-4000-8000-000000000001";

std::set<std::string> names_after(Chain& chain, std::size_t count) {
  std::vector<DatasetItem> items;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        items = chain.dataset_items("edited-patches");
        return items.size() >= count;
      },
      60s, 50ms))
      << items.size() << " of " << count << "\n"
      << chain.logs();
  std::set<std::string> names;
  for (const auto& item : items) names.insert(item.name);
  EXPECT_EQ(names.size(), items.size()) << "duplicates";
  return names;
}

cv::Mat decode(const std::string& bytes) {
  return cv::imdecode(
      cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
      cv::IMREAD_UNCHANGED);
}

TEST(EditedBox, AMovedBoxMakesNewTilesFromTheNewPixels) {
  Chain chain;
  const std::string image = street_image_jpeg(400, 300);
  const std::string payload = chain.add_image("edited", "edited.jpg", image);
  const auto first = chain.post_webhook(
      with_annotations(payload, "[" + grid_annotation(kAnnotation, 2, 2, 0, 0, 200, 200) + "]"),
      "edited-patches");
  ASSERT_EQ(first.status, 202) << first.body;
  const std::set<std::string> before = names_after(chain, 4);
  ASSERT_EQ(before.size(), 4u);

  const auto second = chain.post_webhook(
      with_annotations(payload, "[" + grid_annotation(kAnnotation, 2, 2, 100, 60, 200, 200) + "]"),
      "edited-patches");
  ASSERT_EQ(second.status, 202) << second.body;
  const std::set<std::string> after = names_after(chain, 8);
  ASSERT_EQ(after.size(), 8u) << "the moved box was taken for the old one";
  std::vector<std::string> added;
  for (const auto& name : after) {
    if (!before.contains(name)) added.push_back(name);
  }
  ASSERT_EQ(added.size(), 4u);

  // The new top-left tile holds the pixels of the moved box's top-left quarter.
  const cv::Mat source = decode(image);
  std::string top_left;
  for (const auto& name : added) {
    if (name.ends_with("_r0c0.png")) top_left = name;
  }
  ASSERT_FALSE(top_left.empty());
  const cv::Mat tile = decode(chain.dataset_file("edited-patches", top_left));
  ASSERT_EQ(tile.size(), cv::Size(100, 100));
  EXPECT_EQ(cv::norm(tile, source(cv::Rect(100, 60, 100, 100)), cv::NORM_INF), 0.0);
}

}  // namespace
}  // namespace patchq::e2e
