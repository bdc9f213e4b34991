// An item whose annotations ask for no patch: the job is done with 0 tiles and the note "no
// patch annotations", the image is never downloaded (neither the API's file URL nor the
// storage it redirects to is asked), and the worker says so in one log line.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(NoPatches, AnItemWithoutPatchAnnotationsIsDoneWithoutDownloadingItsImage) {
  Chain chain(ChainOptions{.worker_args = {"--log-level", "info"}});
  const std::string payload = with_annotations(
      chain.add_image("plain-source", "plain.jpg", street_image_jpeg(300, 200)),
      R"([{"id":"e0000000-0000-4000-8000-000000000001","name":"car","slot_names":["0"],)"
      R"("bounding_box":{"x":10,"y":10,"w":100,"h":80}}])");

  const auto reply = chain.post_webhook(payload, "plain-patches");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string job_id = testing::job_id_of(reply.body);
  ASSERT_FALSE(job_id.empty()) << reply.body;

  CtlRun job;
  const std::regex done_status(R"((^|\n)status +done\n)");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        job = chain.ctl({"job", job_id});
        return job.code == 0 && std::regex_search(job.out, done_status);
      },
      60s, 50ms))
      << job.out << job.err << chain.logs();
  EXPECT_NE(job.out.find("no patch annotations"), std::string::npos) << job.out;
  EXPECT_TRUE(chain.dataset_items("plain-patches").empty());

  const auto stats = chain.sim().call("GET", "/_sim/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.body.find("\"download\""), std::string::npos) << stats.body;
  EXPECT_EQ(stats.body.find("\"storage_get\""), std::string::npos) << stats.body;
  // One line for the job, whichever of the two worker processes ran it.
  const std::string logs = chain.logs();
  EXPECT_EQ(occurrences(logs, "\"job_no_patches\""), 1u) << logs;
  EXPECT_NE(logs.find(job_id), std::string::npos);
}

}  // namespace
}  // namespace patchq::e2e
