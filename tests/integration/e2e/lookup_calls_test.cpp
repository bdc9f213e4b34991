// V7 lookups per worker process: the job lanes of one process share their lookup cache, so
// concurrent jobs into one target list V7's datasets once between them (the listing is made
// slow, so every lane misses while it is under way), and --carry-annotations reads the class
// list once for them; an item with no patch costs no V7 call.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

// The stand-in's count of calls to `endpoint` (0 when it saw none).
int calls_to(Chain& chain, const std::string& endpoint) {
  const auto stats = chain.sim().call("GET", "/_sim/stats");
  if (stats.status != 200) throw std::runtime_error("stand-in stats: " + stats.body);
  std::smatch m;
  const std::regex total("\"" + endpoint + "\":\\{\"total\":([0-9]+)");
  return std::regex_search(stats.body, m, total) ? std::stoi(m[1].str()) : 0;
}

ChainOptions four_lanes(std::vector<std::string> more = {}) {
  ChainOptions options{
      .worker_processes = 1,
      .worker_args = {"--jobs-in-flight", "4", "--v7-rate", "100000", "--v7-rate-burst", "1000"}};
  options.worker_args.insert(options.worker_args.end(), more.begin(), more.end());
  return options;
}

// Eight items with one 1x2 grid patch each (and `more_annotations`, a JSON list's tail) into
// "lanes-tiles" (made first unless `target_exists` is false); `slow` (a stand-in endpoint) answers
// after 1.5 s, so every lane misses while its first call is under way. Returns once all eight are
// done.
void eight_jobs(Chain& chain, const std::string& slow, const std::string& more_annotations = "",
                bool target_exists = true) {
  if (target_exists) {
    ASSERT_EQ(chain.sim().api("POST", "/api/datasets", R"({"name":"lanes-tiles"})").status, 200);
  }
  const std::string image = street_image_jpeg(300, 200);
  std::vector<std::string> payloads;
  for (int i = 0; i < 8; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "c0000000-0000-4000-8000-%012d", i);
    payloads.push_back(with_annotations(
        chain.add_image("lanes-source", "lane_" + std::to_string(i) + ".jpg", image),
        "[" + grid_annotation(id, 1, 2, 10, 10, 200, 100) + more_annotations + "]"));
  }
  ASSERT_EQ(chain.sim().call("POST", "/_sim/stats/reset").status, 200);
  ASSERT_EQ(chain.sim()
                .call("POST", "/_sim/faults", R"({"endpoint":")" + slow + R"(","latency_ms":1500})")
                .status,
            200);
  for (const auto& payload : payloads) {
    const auto reply = chain.post_webhook(payload, "lanes-tiles");
    ASSERT_EQ(reply.status, 202) << reply.body;
  }
  QueueCounts counts;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= 8;
      },
      60s, 50ms))
      << chain.logs();
  EXPECT_EQ(counts.done, 8) << chain.logs();
  EXPECT_EQ(chain.dataset_items("lanes-tiles").size(), 16u);
}

TEST(LookupCalls, EightJobsOnFourLanesListTheDatasetsOnce) {
  Chain chain(four_lanes());
  eight_jobs(chain, "datasets");
  EXPECT_EQ(calls_to(chain, "datasets"), 1);
  EXPECT_LE(calls_to(chain, "token_info"), 1);
}

TEST(LookupCalls, EightJobsOnFourLanesCreateAMissingTargetOnce) {
  Chain chain(four_lanes());  // --create-target
  eight_jobs(chain, "datasets", "", false);
  EXPECT_EQ(calls_to(chain, "datasets"), 2);  // one listing, one creation
}

TEST(LookupCalls, EightCarryingJobsOnFourLanesReadTheClassListOnce) {
  Chain chain(four_lanes({"--carry-annotations"}));
  ASSERT_EQ(chain.sim()
                .call("POST", "/_sim/annotation_classes",
                      R"({"name":"car","annotation_types":["bounding_box"]})")
                .status,
            201);
  eight_jobs(chain, "annotation_classes",
             R"(,{"id":"car","name":"car","slot_names":["0"],)"
             R"("bounding_box":{"x":20,"y":20,"w":50,"h":40}})");
  EXPECT_EQ(calls_to(chain, "annotation_classes"), 1);
  EXPECT_EQ(calls_to(chain, "import_annotations"), 8);  // one tile of each job has the car
  // The target, and the dataset id the class is put into the target with (once each).
  EXPECT_EQ(calls_to(chain, "datasets"), 2);
}

TEST(LookupCalls, AnItemWithoutPatchesMakesNoV7Call) {
  Chain chain;  // --create-target: the target would be created by a job that needs it
  const std::string payload = with_annotations(
      chain.add_image("idle-source", "idle.jpg", street_image_jpeg(300, 200)),
      R"([{"id":"e0000000-0000-4000-8000-000000000002","name":"car","slot_names":["0"],)"
      R"("bounding_box":{"x":10,"y":10,"w":100,"h":80}}])");
  ASSERT_EQ(chain.sim().call("POST", "/_sim/stats/reset").status, 200);

  const auto reply = chain.post_webhook(payload, "idle-patches");
  ASSERT_EQ(reply.status, 202) << reply.body;
  QueueCounts counts;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= 1;
      },
      60s, 50ms))
      << chain.logs();
  EXPECT_EQ(counts.done, 1) << chain.logs();
  const auto stats = chain.sim().call("GET", "/_sim/stats");
  EXPECT_NE(stats.body.find("\"requests_total\":0"), std::string::npos) << stats.body;
  EXPECT_EQ(calls_to(chain, "datasets"), 0) << stats.body;
  EXPECT_EQ(calls_to(chain, "token_info"), 0) << stats.body;
}

}  // namespace
}  // namespace patchq::e2e
