// JobContext and JobOutcome: what a handler sees and returns.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/queue/job.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

TEST(JobContext, SumsDurationsPerStageInFirstSeenOrderAcrossThreads) {
  std::atomic<int> forwarded{0};
  JobContext ctx({}, [&](std::string_view, std::chrono::nanoseconds) { ++forwarded; });
  ctx.record_stage("fetch", 5ms);
  std::thread a([&] {
    for (int i = 0; i < 100; ++i) ctx.record_stage("upload", 1ms);
  });
  std::thread b([&] {
    for (int i = 0; i < 100; ++i) ctx.record_stage("upload", 2ms);
  });
  a.join();
  b.join();
  const auto stages = ctx.stages();
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].first, "fetch");
  EXPECT_EQ(stages[0].second, 5ms);
  EXPECT_EQ(stages[1].first, "upload");
  EXPECT_EQ(stages[1].second, 300ms);
  EXPECT_EQ(forwarded.load(), 201);
}

TEST(JobContext, StopRequestedFollowsTheProbe) {
  bool stop = false;
  JobContext ctx([&] { return stop; });
  EXPECT_FALSE(ctx.stop_requested());
  stop = true;
  EXPECT_TRUE(ctx.stop_requested());
  EXPECT_FALSE(JobContext().stop_requested());
}

TEST(JobOutcome, FactoriesFillTheirKind) {
  const auto done = JobOutcome::done(7);
  EXPECT_EQ(done.kind, JobOutcome::Kind::done);
  EXPECT_EQ(done.tiles, 7);
  const auto retry = JobOutcome::retry("503", 2s);
  EXPECT_EQ(retry.kind, JobOutcome::Kind::retry);
  EXPECT_EQ(retry.error, "503");
  EXPECT_EQ(retry.retry_after, 2s);
  const auto dead = JobOutcome::dead("404");
  EXPECT_EQ(dead.kind, JobOutcome::Kind::dead);
  EXPECT_FALSE(dead.retry_after.has_value());
  EXPECT_EQ(to_string(dead.kind), "dead");
}

}  // namespace
}  // namespace patchq::queue
