// An annotator moves a patch box and sends the item through the stage again: same item, same
// annotation id, new geometry. The second job must cut new tiles from the new box (their
// names carry the geometry), not take the old tiles for them because the names match.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
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

CtlRun wait_for_done(Chain& chain, const std::string& job_id) {
  CtlRun job;
  const std::regex done_status(R"((^|\n)status +done\n)");
  EXPECT_TRUE(testing::wait_until(
      [&] {
        job = chain.ctl({"job", job_id});
        return job.code == 0 && std::regex_search(job.out, done_status);
      },
      60s, 50ms))
      << job.out << job.err << chain.logs();
  return job;
}

// "tiles_new 4" and the like from `patchqctl job`; -1 when the row is missing.
int row_of(const CtlRun& job, const std::string& name) {
  const std::regex row("(^|\n)" + name + " +([0-9]+)\n");
  std::smatch m;
  return std::regex_search(job.out, m, row) ? std::stoi(m[2].str()) : -1;
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
  const CtlRun first_job = wait_for_done(chain, testing::job_id_of(first.body));
  EXPECT_EQ(row_of(first_job, "tiles_new"), 4) << first_job.out;
  EXPECT_EQ(row_of(first_job, "tiles_already"), 0) << first_job.out;
  EXPECT_EQ(row_of(first_job, "tiles_superseded"), 0) << first_job.out;

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
  // The job says what it did: four new tiles, replacing the old cut's four.
  const CtlRun second_job = wait_for_done(chain, testing::job_id_of(second.body));
  EXPECT_EQ(row_of(second_job, "tiles_new"), 4) << second_job.out;
  EXPECT_EQ(row_of(second_job, "tiles_already"), 0) << second_job.out;
  EXPECT_EQ(row_of(second_job, "tiles_superseded"), 4) << second_job.out;

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

TEST(EditedBox, ARedeliveryOfTheSameBoxFindsItsTilesThereAndSupersedesNothing) {
  Chain chain;
  const std::string payload = chain.add_image("again", "again.jpg", street_image_jpeg(400, 300));
  const std::string body =
      with_annotations(payload, "[" + grid_annotation(kAnnotation, 1, 2, 0, 0, 200, 100) + "]");
  const auto first = chain.post_webhook(body, "edited-patches");
  ASSERT_EQ(first.status, 202) << first.body;
  wait_for_done(chain, testing::job_id_of(first.body));
  // A new delivery id, so the receiver queues it again rather than answering the first job.
  const auto second = chain.post_webhook(body + " ", "edited-patches");
  ASSERT_EQ(second.status, 202) << second.body;
  ASSERT_NE(testing::job_id_of(second.body), testing::job_id_of(first.body));
  const CtlRun job = wait_for_done(chain, testing::job_id_of(second.body));
  EXPECT_EQ(row_of(job, "tiles_new"), 0) << job.out;
  EXPECT_EQ(row_of(job, "tiles_already"), 2) << job.out;
  EXPECT_EQ(row_of(job, "tiles_superseded"), 0) << job.out;
}

}  // namespace
}  // namespace patchq::e2e
