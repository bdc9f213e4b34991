// QueueStats and JobRecord: what patchqctl and the metrics endpoint read.
#include "common/queue/queue_stats.hpp"

#include <gtest/gtest.h>

#include "common/queue/job_record.hpp"
#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

using QueueStatsTest = QueueFixture;

TEST_F(QueueStatsTest, AnEmptyQueueReadsAllZero) {
  server_.command({"DEL", "t:jobs"});
  const QueueStats s = read_queue_stats(client_, keys_);
  EXPECT_EQ(s.queued + s.pending + s.retrying + s.dead + s.done + s.consumers + s.lag_ms, 0);
}

TEST_F(QueueStatsTest, CountsEachPlaceAJobCanBe) {
  for (int i = 0; i < 6; ++i) enqueue();
  queue_.complete(take("w1"), "w1", 1, 60s);              // done
  queue_.schedule_retry(take("w1"), "w1", 60s, "later");  // retrying
  queue_.bury(take("w2"), "w2", "permanent", "gone");     // dead
  take("w2");                                             // pending
  const QueueStats s = read_queue_stats(client_, keys_);
  EXPECT_EQ(s.queued, 2);
  EXPECT_EQ(s.pending, 1);
  EXPECT_EQ(s.retrying, 1);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(s.done, 1);
  EXPECT_EQ(s.consumers, 2);
}

TEST_F(QueueStatsTest, LagIsTheAgeOfTheOldestUndeliveredJob) {
  // Entries written 5 s and 4 s ago by Redis' clock; the older one is delivered.
  const auto t = server_.command({"TIME"});
  const long long now = std::stoll(t.elements[0].str) * 1000 + std::stoll(t.elements[1].str) / 1000;
  for (long long age : {5000, 4000}) {
    server_.command(
        {"XADD", "t:jobs", std::to_string(now - age) + "-0", "job_id", "x", "attempt", "0"});
  }
  ASSERT_TRUE(queue_.read("w1", 100ms).has_value());
  const QueueStats s = read_queue_stats(client_, keys_);
  EXPECT_EQ(s.queued, 1);
  EXPECT_EQ(s.pending, 1);
  EXPECT_GE(s.lag_ms, 4000);
  EXPECT_LT(s.lag_ms, 5000);
}

TEST_F(QueueStatsTest, JobRecordShowsFieldsRetryDueAndDeadReason) {
  const std::string id = enqueue();
  const Job job = take("w1");
  const auto due = queue_.schedule_retry(job, "w1", 60s, "503");
  auto record = read_job_record(client_, keys_, id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->field("status"), "retrying");
  EXPECT_EQ(record->retry_due_ms, due);
  EXPECT_EQ(record->ttl_ms, -1);
  queue_.forward_due_retries(1);  // not due: stays
  server_.command({"ZADD", "t:retry", "1", id});
  queue_.forward_due_retries(10);
  queue_.bury(take("w1"), "w1", "permanent", "404");
  record = read_job_record(client_, keys_, id);
  EXPECT_EQ(record->field("status"), "dead");
  EXPECT_EQ(record->dead_reason, "permanent");
  EXPECT_FALSE(read_job_record(client_, keys_, "unknown").has_value());
}

}  // namespace
}  // namespace patchq::queue
