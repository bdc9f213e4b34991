// The same delivery sent twice (as V7 does when it missed our first answer): the receiver
// answers the second with 200 and the first job's id, and only one job runs and uploads.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

TEST(Redelivery, SecondDeliveryGetsTheFirstJobAndNoSecondSetOfTiles) {
  Chain chain;
  const std::string payload = with_annotations(
      chain.add_image("again-source", "again.jpg", street_image_jpeg(300, 200)),
      "[" + grid_annotation("c0000000-0000-4000-8000-000000000001", 2, 2, 0, 0, 300, 200) + "]");

  const auto first = chain.post_webhook(payload, "again-patches");
  ASSERT_EQ(first.status, 202) << first.body;
  const auto second = chain.post_webhook(payload, "again-patches");
  ASSERT_EQ(second.status, 200) << second.body;
  const std::string job_id = testing::job_id_of(first.body);
  ASSERT_FALSE(job_id.empty()) << first.body;
  EXPECT_EQ(testing::job_id_of(second.body), job_id);

  QueueCounts counts;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= 1 && counts.queued + counts.pending == 0;
      },
      60s, 50ms))
      << chain.logs();
  EXPECT_EQ(counts.done, 1);
  EXPECT_EQ(counts.dead, 0);
  EXPECT_EQ(counts.retrying, 0);

  const auto items = chain.dataset_items("again-patches");
  std::set<std::string> names;
  for (const auto& item : items) names.insert(item.name);
  EXPECT_EQ(items.size(), 4u);
  EXPECT_EQ(names.size(), 4u);
}

}  // namespace
}  // namespace patchq::e2e
