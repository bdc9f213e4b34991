// Many deliveries at once: 50 items x 4 target datasets = 200 webhooks (the receiver dedups
// identical deliveries, so the target is what makes each one a job of its own), taken by a
// worker with 2 processes. Every job must end done, and every target must hold each item's
// tiles exactly once.
// The worker's fleet-wide V7 rate limit (900 requests/min by default, V7's own is 1000) would
// make this a 4-minute test (~3 API calls per tile); the stand-in is local and enforces no
// limit, so the test raises it. The limiter itself is tested with the V7 client.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/local_tiles.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kItems = 50;
const std::vector<std::string> kTargets = {"fan-a", "fan-b", "fan-c", "fan-d"};

TEST(FanOut, TwoHundredWebhooksEndDoneWithEveryTileOnce) {
  Chain chain(ChainOptions{.worker_args = {"--v7-rate", "100000", "--v7-rate-burst", "1000"}});
  std::vector<std::string> payloads;
  std::set<std::string> expected;
  const std::string image = street_image_jpeg(300, 200);
  for (int i = 0; i < kItems; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%03d.jpg", i);
    char id[40];
    std::snprintf(id, sizeof id, "a0000000-0000-4000-8000-%012d", i);
    // A 2x2 grid and a plain box: 5 tiles per item.
    const std::string annotations =
        "[" + grid_annotation(id, 2, 2, 10.5, 20.0, 200.0, 150.0) + "," + R"({"id":"b)" +
        std::string(id + 1) +
        R"(","name":"patch","slot_names":["0"],"bounding_box":{"x":250,"y":150,"w":40,"h":40}})" +
        "]";
    payloads.push_back(with_annotations(chain.add_image("fan-source", name, image), annotations));
    const auto local = cut_like_the_worker(payloads.back(), image);
    ASSERT_TRUE(local.ok()) << local.error;
    for (const auto& tile : local.tiles) expected.insert(tile.name);
  }
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kItems * 5));

  std::set<std::string> job_ids;
  for (const auto& target : kTargets) {
    for (const auto& payload : payloads) {
      const auto reply = chain.post_webhook(payload, target);
      ASSERT_EQ(reply.status, 202) << reply.body;
      job_ids.insert(testing::job_id_of(reply.body));
    }
  }
  ASSERT_EQ(job_ids.size(), kTargets.size() * kItems);

  QueueCounts counts;
  const bool finished = testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= static_cast<std::int64_t>(job_ids.size());
      },
      60s, 100ms);
  ASSERT_TRUE(finished) << "done " << counts.done << " dead " << counts.dead << " queued "
                        << counts.queued << " pending " << counts.pending << " retrying "
                        << counts.retrying << "\n"
                        << chain.logs();
  EXPECT_EQ(counts.done, static_cast<std::int64_t>(job_ids.size()));
  EXPECT_EQ(counts.dead, 0);

  for (const auto& target : kTargets) {
    const auto items = chain.dataset_items(target);
    std::set<std::string> names;
    for (const auto& item : items) names.insert(item.name);
    EXPECT_EQ(items.size(), expected.size()) << target << ": tile count (duplicates?)";
    EXPECT_EQ(names, expected) << target;
  }
}

}  // namespace
}  // namespace patchq::e2e
