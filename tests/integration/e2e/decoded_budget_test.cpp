// A worker process with 4 jobs in flight and a decoded-bytes budget that holds one image: every
// job ends done with its tiles, the jobs took turns decoding (the most reserved at once is one
// image, and some waited), and their leases were kept while they waited (a lease shorter than
// the queue of waits, and no job run twice).
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kJobs = 8;
constexpr int kWidth = 2400;
constexpr int kHeight = 1600;
constexpr std::uint64_t kImageBytes = std::uint64_t{kWidth} * kHeight * 3;  // 11.5 MB decoded
constexpr std::uint64_t kBudget = kImageBytes + kImageBytes / 2;            // one image, never two

// The value of an unlabelled series in a Prometheus text body; -1 when it is missing.
double series(const std::string& body, const std::string& name) {
  const std::regex line("(^|\n)" + name + " ([0-9.e+]+)");
  std::smatch match;
  if (!std::regex_search(body, match, line)) return -1;
  return std::stod(match[2].str());
}

TEST(DecodedBudget, JobsInFlightTakeTurnsDecodingAndAllEndDone) {
  const int metrics_port = testing::free_port();
  Chain chain(
      ChainOptions{.worker_processes = 1,
                   .worker_args = {"--jobs-in-flight", "4", "--decoded-bytes-budget",
                                   std::to_string(kBudget), "--lease", "1s", "--metrics-listen",
                                   "127.0.0.1:" + std::to_string(metrics_port), "--v7-rate",
                                   "100000", "--v7-rate-burst", "1000"},
                   .sim_args = {}});
  // A 2x2 grid over the whole image: a full decode (no region decode) for every job.
  const std::string image = street_image_jpeg(kWidth, kHeight);
  std::vector<std::string> payloads;
  for (int i = 0; i < kJobs; ++i) {
    const std::string name = "budget_" + std::to_string(i) + ".jpg";
    const std::string id = "c0000000-0000-4000-8000-00000000000" + std::to_string(i);
    payloads.push_back(
        with_annotations(chain.add_image("budget-source", name, image),
                         "[" + grid_annotation(id, 2, 2, 0, 0, kWidth, kHeight) + "]"));
  }
  for (const auto& payload : payloads) {
    const auto reply = chain.post_webhook(payload, "budget-target");
    ASSERT_EQ(reply.status, 202) << reply.body;
  }

  QueueCounts counts;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= kJobs;
      },
      60s, 100ms))
      << "done " << counts.done << " dead " << counts.dead << " pending " << counts.pending
      << " retrying " << counts.retrying << "\n"
      << chain.logs();
  EXPECT_EQ(counts.done, kJobs);
  EXPECT_EQ(counts.dead, 0);
  EXPECT_EQ(chain.dataset_items("budget-target").size(), static_cast<std::size_t>(kJobs * 4));

  std::string body;
  ASSERT_TRUE(testing::wait_until([&] {
    const auto reply = testing::http_get(metrics_port, "/metrics");
    body = reply.body;
    return reply.status == 200 &&
           body.find("patchq_worker_jobs_total{outcome=\"done\"} 8") != std::string::npos;
  })) << body;
  EXPECT_EQ(series(body, "patchq_decoded_bytes_budget"), static_cast<double>(kBudget)) << body;
  // One image at a time: four lanes would have held up to four.
  EXPECT_EQ(series(body, "patchq_decoded_bytes_reserved_peak"), static_cast<double>(kImageBytes))
      << body;
  EXPECT_EQ(series(body, "patchq_decoded_bytes_reserved"), 0) << body;
  EXPECT_GE(series(body, "patchq_decoded_bytes_waits_total"), 1) << body;
  EXPECT_NE(body.find("patchq_worker_stage_duration_seconds_count{stage=\"budget_wait\"}"),
            std::string::npos)
      << body;
  // Waiting kept the leases: no job was taken over or run twice.
  EXPECT_EQ(series(body, "patchq_worker_reclaims_total"), 0) << body;
  EXPECT_NE(body.find("patchq_worker_jobs_total{outcome=\"lease_lost\"} 0"), std::string::npos)
      << body;
  EXPECT_NE(body.find("patchq_worker_jobs_total{outcome=\"retry\"} 0"), std::string::npos) << body;
}

}  // namespace
}  // namespace patchq::e2e
