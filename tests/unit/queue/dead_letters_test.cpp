// DeadLetters: list, revive one, revive all, purge.
#include "common/queue/dead_letters.hpp"

#include <gtest/gtest.h>

#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

class DeadLettersTest : public QueueFixture {
 protected:
  // Enqueues a job and buries it as the worker would.
  std::string dead_job(const std::string& reason = "permanent",
                       const std::string& error = "404 item") {
    const std::string id = enqueue();
    const Job job = take("w1");
    EXPECT_TRUE(queue_.bury(job, "w1", reason, error).has_value());
    return id;
  }
  DeadLetters dead_{client_, keys_};
};

TEST_F(DeadLettersTest, ListShowsReasonAttemptsErrorAndTheJobsTarget) {
  const std::string id = dead_job("attempts_exhausted", "timeout");
  const auto letters = dead_.list(10);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].job_id, id);
  EXPECT_EQ(letters[0].reason, "attempts_exhausted");
  EXPECT_EQ(letters[0].attempts, 1);
  EXPECT_EQ(letters[0].error, "timeout");
  EXPECT_GT(letters[0].dead_at_ms, 0);
  EXPECT_EQ(letters[0].target, "ds");
  EXPECT_EQ(letters[0].item_id, "item-1");
  EXPECT_EQ(dead_.size(), 1);
}

TEST_F(DeadLettersTest, ReviveMovesTheJobBackToTheStreamWithAFreshAttemptBudget) {
  const std::string id = dead_job();
  const Revival r = dead_.revive(id);
  EXPECT_EQ(r.result, Revival::Result::revived);
  EXPECT_EQ(dead_.size(), 0);
  EXPECT_EQ(hget(id, "status"), "queued");
  EXPECT_EQ(hget(id, "dead_id"), "");
  const Job again = take("w2");
  EXPECT_EQ(again.id, id);
  EXPECT_EQ(again.attempt, 0);
}

TEST_F(DeadLettersTest, ReviveRefusesUnknownAndLiveJobs) {
  EXPECT_EQ(dead_.revive("nope").result, Revival::Result::not_found);
  const std::string id = enqueue();
  const Revival r = dead_.revive(id);
  EXPECT_EQ(r.result, Revival::Result::not_dead);
  EXPECT_EQ(r.status, "queued");
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 1);
}

TEST_F(DeadLettersTest, ReviveAllBringsBackEveryDeadJob) {
  for (int i = 0; i < 5; ++i) dead_job();
  EXPECT_EQ(dead_.revive_all(), 5u);
  EXPECT_EQ(dead_.size(), 0);
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 5);
}

TEST_F(DeadLettersTest, PurgeDeletesDeadLettersAndTheirRecords) {
  const std::string a = dead_job();
  const std::string b = dead_job();
  const std::string live = enqueue();
  EXPECT_EQ(dead_.purge(), 2u);
  EXPECT_EQ(dead_.size(), 0);
  EXPECT_EQ(integer({"EXISTS", keys_.job_record(a)}), 0);
  EXPECT_EQ(integer({"EXISTS", keys_.job_record(b)}), 0);
  EXPECT_EQ(integer({"EXISTS", keys_.job_record(live)}), 1);
}

}  // namespace
}  // namespace patchq::queue
