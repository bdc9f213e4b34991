// A target dataset that does not exist, with a worker that may not create one: the job ends
// dead (a permanent V7 error, no retries) and patchqctl shows why, naming the dataset.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

TEST(MissingTarget, JobEndsDeadWithAReasonNamingTheDataset) {
  Chain chain(ChainOptions{.create_target = false});
  const std::string payload = with_annotations(
      chain.add_image("lonely-source", "lonely.jpg", street_image_jpeg(300, 200)),
      "[" + grid_annotation("d0000000-0000-4000-8000-000000000001", 1, 2, 0, 0, 300, 200) + "]");

  const auto reply = chain.post_webhook(payload, "no-such-dataset");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string job_id = testing::job_id_of(reply.body);
  ASSERT_FALSE(job_id.empty()) << reply.body;

  CtlRun job;
  const std::regex dead_status(R"((^|\n)status +dead\n)");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        job = chain.ctl({"job", job_id});
        return job.code == 0 && std::regex_search(job.out, dead_status);
      },
      60s, 50ms))
      << job.out << job.err << chain.logs();
  EXPECT_NE(job.out.find("no-such-dataset"), std::string::npos) << job.out;
  EXPECT_TRUE(chain.dataset_items("no-such-dataset").empty());
  EXPECT_EQ(chain.counts().dead, 1);
}

}  // namespace
}  // namespace patchq::e2e
