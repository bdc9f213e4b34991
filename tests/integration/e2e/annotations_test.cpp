// Annotations the stage does not send, and patches that are all skipped, end to end: a
// payload without an "annotations" key (include_annotations off) is cut from the annotations
// the worker fetches from V7; a job whose patches are all skipped ends done with 0 tiles and a
// note in its record saying why.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

std::string item_id_of(const std::string& payload) {
  const std::regex id(R"re("item_id":"([^"]+)")re");
  std::smatch m;
  return std::regex_search(payload, m, id) ? m[1].str() : std::string();
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

TEST(Annotations, AStageWithoutAnnotationsIsCutFromTheAnnotationsFetchedFromV7) {
  Chain chain;
  std::string payload = chain.add_image("fetch-source", "fetch.jpg", street_image_jpeg(300, 200));
  const std::string item_id = item_id_of(payload);
  ASSERT_FALSE(item_id.empty()) << payload;
  const auto key = payload.find(R"(,"annotations":[])");
  ASSERT_NE(key, std::string::npos) << payload;
  payload.erase(key, 17);
  const std::string annotations =
      R"({"annotations":[)" +
      grid_annotation("e0000000-0000-4000-8000-000000000001", 1, 2, 0, 0, 300, 200) + "]}";
  ASSERT_EQ(chain.sim().call("PUT", "/_sim/items/" + item_id + "/annotations", annotations).status,
            204);

  const auto reply = chain.post_webhook(payload, "fetched-crops");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const CtlRun job = wait_for_done(chain, testing::job_id_of(reply.body));
  EXPECT_EQ(chain.dataset_items("fetched-crops").size(), 2u) << job.out << chain.logs();
}

TEST(Annotations, AJobWhosePatchesAreAllSkippedSaysWhyInItsRecord) {
  Chain chain;
  std::string annotations = "[";
  for (int i = 0; i < 40; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "f0000000-0000-4000-8000-%012d", i);
    annotations += (i ? "," : "") + grid_annotation(id, 1, 1, 5000, 5000, 10, 10);
  }
  annotations += "]";
  const std::string payload = with_annotations(
      chain.add_image("skip-source", "skip.jpg", street_image_jpeg(300, 200)), annotations);
  const auto reply = chain.post_webhook(payload, "skip-crops");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const CtlRun job = wait_for_done(chain, testing::job_id_of(reply.body));
  EXPECT_NE(job.out.find("40 patch annotations skipped: 40 x box lies entirely outside the "
                         "300x200 image; e.g. f0000000-0000-4000-8000-000000000000"),
            std::string::npos)
      << job.out;
  // The log holds a bounded number of lines about them, not one per annotation.
  const std::string logs = chain.logs();
  std::size_t lines = 0;
  for (auto at = logs.find("\"patch_skipped\""); at != std::string::npos;
       at = logs.find("\"patch_skipped\"", at + 1)) {
    ++lines;
  }
  EXPECT_LE(lines, 5u) << logs;
  EXPECT_NE(logs.find("\"patches_skipped\""), std::string::npos) << logs;
}

}  // namespace
}  // namespace patchq::e2e
