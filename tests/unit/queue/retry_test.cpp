// Retries and dead letters as the job loop drives them: RetryPolicy decides, JobQueue moves
// the job atomically, the forwarder brings it back when due.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/queue/retry_policy.hpp"
#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using RetryTest = QueueFixture;

TEST_F(RetryTest, ARetryMovesTheJobToTheRetrySetDueWithinThePolicyBounds) {
  const RetryPolicy policy{8, 5, {2000ms, 600000ms}};
  std::mt19937_64 rng(1);
  const std::string id = enqueue();
  const Job job = take("w1");
  const Decision d = policy.decide(job, JobOutcome::retry("503 from V7"), rng);
  ASSERT_EQ(d.kind, Decision::Kind::retry);
  const auto before = now_ms();
  const auto due = queue_.schedule_retry(job, "w1", d.delay, "503 from V7");
  const auto after = now_ms();
  ASSERT_TRUE(due.has_value());
  // attempt 0: full jitter over [0, base]
  EXPECT_GE(*due, before);
  EXPECT_LE(*due, after + 2000);
  EXPECT_EQ(std::stoll(server_.command({"ZSCORE", "t:retry", id}).str), *due);
  // one atomic move: out of the stream and the pending list, into the retry set
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
  EXPECT_EQ(server_.command({"XPENDING", "t:jobs", "workers"}).elements[0].integer, 0);
  EXPECT_EQ(hget(id, "status"), "retrying");
  EXPECT_EQ(hget(id, "error"), "503 from V7");
  EXPECT_EQ(hget(id, "next_attempt_at"), std::to_string(*due));
}

TEST_F(RetryTest, RetryAfterRaisesTheDelay) {
  const RetryPolicy policy{8, 5, {10ms, 100ms}};
  std::mt19937_64 rng(1);
  const std::string id = enqueue();
  const Job job = take("w1");
  const Decision d = policy.decide(job, JobOutcome::retry("429", 300000ms), rng);
  EXPECT_EQ(d.delay, 300000ms);
  const auto before = now_ms();
  const auto due = queue_.schedule_retry(job, "w1", d.delay, "429");
  ASSERT_TRUE(due.has_value());
  EXPECT_GE(*due, before + 300000);
}

TEST_F(RetryTest, TheLastAttemptFailingSendsTheJobToTheDeadLettersWithReason) {
  const RetryPolicy policy{3, 5, {10ms, 100ms}};
  std::mt19937_64 rng(1);
  const std::string id = enqueue();
  Job job = take("w1");
  job.attempt = 2;  // the third attempt of three
  const Decision d = policy.decide(job, JobOutcome::retry("timeout"), rng);
  ASSERT_EQ(d.kind, Decision::Kind::bury);
  EXPECT_EQ(d.reason, dead_reason::attempts_exhausted);
  const auto dead_id = queue_.bury(job, "w1", d.reason, "timeout");
  ASSERT_TRUE(dead_id.has_value());
  const auto letters = server_.command({"XRANGE", "t:dead", "-", "+"});
  ASSERT_EQ(letters.elements.size(), 1u);
  const auto& f = letters.elements[0].elements[1].elements;
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < f.size(); i += 2) fields[f[i].str] = f[i + 1].str;
  EXPECT_EQ(fields["job_id"], id);
  EXPECT_EQ(fields["reason"], "attempts_exhausted");
  EXPECT_EQ(fields["attempts"], "1");  // as recorded by start(): this test skipped attempts 1-2
  EXPECT_EQ(fields["error"], "timeout");
  EXPECT_FALSE(fields["dead_at"].empty());
  EXPECT_EQ(hget(id, "status"), "dead");
  EXPECT_EQ(hget(id, "dead_id"), *dead_id);
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
  EXPECT_EQ(integer({"TTL", keys_.job_record(id)}), -1);  // dead records stay until purged
}

TEST_F(RetryTest, ADueRetryComesBackWithTheNextAttemptNumber) {
  const std::string id = enqueue();
  const Job job = take("w1");
  ASSERT_TRUE(queue_.schedule_retry(job, "w1", 0ms, "flaky").has_value());
  EXPECT_EQ(queue_.forward_due_retries(100), 1u);
  EXPECT_EQ(integer({"ZCARD", "t:retry"}), 0);
  EXPECT_EQ(hget(id, "status"), "queued");
  const Job again = take("w1");
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.attempt, 1);
  EXPECT_EQ(hget(id, "attempts"), "2");
}

TEST_F(RetryTest, ARetryIsNotForwardedBeforeItIsDue) {
  enqueue();
  const Job job = take("w1");
  ASSERT_TRUE(queue_.schedule_retry(job, "w1", 60s, "later").has_value());
  EXPECT_EQ(queue_.forward_due_retries(100), 0u);
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
}

TEST_F(RetryTest, TwoForwardersRacingMoveEveryDueJobExactlyOnce) {
  constexpr int kJobs = 400;
  std::vector<std::string> args = {"ZADD", "t:retry"};
  std::vector<std::vector<std::string>> records;
  for (int i = 0; i < kJobs; ++i) {
    const std::string id = "job-" + std::to_string(i);
    args.push_back("1");  // due long ago
    args.push_back(id);
    server_.command({"HSET", keys_.job_record(id), "status", "retrying", "attempts", "1"});
  }
  server_.command(args);
  auto forward = [&] {
    auto own = peer();
    while (own->queue.forward_due_retries(7) > 0) {
    }
  };
  std::thread a(forward), b(forward), c(forward);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(integer({"ZCARD", "t:retry"}), 0);
  const auto entries = server_.command({"XRANGE", "t:jobs", "-", "+"});
  ASSERT_EQ(entries.elements.size(), static_cast<std::size_t>(kJobs));
  std::set<std::string> seen;
  for (const auto& e : entries.elements) seen.insert(e.elements[1].elements[1].str);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kJobs));
}

TEST_F(RetryTest, ForwardingDropsAMemberWhoseRecordIsGone) {
  server_.command({"ZADD", "t:retry", "1", "ghost"});
  EXPECT_EQ(queue_.forward_due_retries(100), 1u);
  EXPECT_EQ(integer({"ZCARD", "t:retry"}), 0);
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
}

TEST_F(RetryTest, APoisonJobIsBuriedByItsClaimerWithTheDeliveryCount) {
  const RetryPolicy policy{8, 2, {10ms, 100ms}};
  const std::string id = enqueue();
  take("w1");  // delivery 1: the worker dies
  std::string cursor = "0-0";
  std::optional<Delivery> claimed;
  for (int delivery = 2; delivery <= 3; ++delivery) {  // each claimer dies too
    ASSERT_TRUE(testing::wait_until([&] {
      claimed = queue_.claim_expired("w" + std::to_string(delivery), 50ms, cursor);
      return claimed.has_value();
    }));
    EXPECT_EQ(claimed->deliveries, delivery);
  }
  EXPECT_TRUE(policy.is_poison(claimed->deliveries));
  ASSERT_TRUE(queue_.bury(job_of(*claimed), "w3", dead_reason::poison, "kills its worker"));
  EXPECT_EQ(hget(id, "status"), "dead");
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
  EXPECT_EQ(integer({"XLEN", "t:dead"}), 1);
}

}  // namespace
}  // namespace patchq::queue
