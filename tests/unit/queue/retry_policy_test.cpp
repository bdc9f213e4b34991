// RetryPolicy: the whole rule, as a table.
#include "common/queue/retry_policy.hpp"

#include <gtest/gtest.h>

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;
using K = Decision::Kind;

struct Row {
  const char* name;
  int attempt;
  JobOutcome outcome;
  K kind;
  const char* reason;
  std::chrono::milliseconds min_delay;
  std::chrono::milliseconds max_delay;
};

TEST(RetryPolicy, DecidesEachOutcomeAsTheTableSays) {
  const RetryPolicy policy{4, 3, {1000ms, 5000ms}};
  const Row rows[] = {
      {"done completes", 0, JobOutcome::done(3), K::complete, "", 0ms, 0ms},
      {"done on the last attempt completes", 3, JobOutcome::done(0), K::complete, "", 0ms, 0ms},
      {"dead is permanent at once", 0, JobOutcome::dead("404"), K::bury, "permanent", 0ms, 0ms},
      {"first retry waits up to base", 0, JobOutcome::retry("503"), K::retry, "", 0ms, 1000ms},
      {"third retry waits up to base*4", 2, JobOutcome::retry("503"), K::retry, "", 0ms, 4000ms},
      {"last attempt failing is exhausted", 3, JobOutcome::retry("503"), K::bury,
       "attempts_exhausted", 0ms, 0ms},
      {"beyond the last attempt is exhausted", 9, JobOutcome::retry("503"), K::bury,
       "attempts_exhausted", 0ms, 0ms},
      {"retry-after raises the delay past the cap", 0, JobOutcome::retry("429", 20000ms), K::retry,
       "", 20000ms, 20000ms},
      {"a small retry-after keeps the jitter floor", 2, JobOutcome::retry("429", 1ms), K::retry, "",
       1ms, 4000ms},
      {"an absurd retry-after is bounded", 0, JobOutcome::retry("429", 1000h), K::retry, "",
       kMaxRetryAfter, kMaxRetryAfter},
      {"a negative retry-after is ignored", 0, JobOutcome::retry("429", -5s), K::retry, "", 0ms,
       1000ms},
  };
  std::mt19937_64 rng(42);
  for (const Row& row : rows) {
    Job job;
    job.attempt = row.attempt;
    for (int draw = 0; draw < 50; ++draw) {
      const Decision d = policy.decide(job, row.outcome, rng);
      EXPECT_EQ(d.kind, row.kind) << row.name;
      EXPECT_EQ(d.reason, row.reason) << row.name;
      EXPECT_GE(d.delay, row.min_delay) << row.name;
      EXPECT_LE(d.delay, row.max_delay) << row.name;
    }
  }
}

TEST(RetryPolicy, PoisonMeansMoreDeliveriesThanAllowed) {
  const RetryPolicy policy{8, 3, {}};
  EXPECT_FALSE(policy.is_poison(1));
  EXPECT_FALSE(policy.is_poison(3));
  EXPECT_TRUE(policy.is_poison(4));
}

TEST(RetryPolicy, DefaultsMatchTheDocumentedOnes) {
  const RetryPolicy policy;
  EXPECT_EQ(policy.max_attempts, 8);
  EXPECT_EQ(policy.backoff.base, 2000ms);
  EXPECT_EQ(policy.backoff.cap, 600000ms);
}

}  // namespace
}  // namespace patchq::queue
