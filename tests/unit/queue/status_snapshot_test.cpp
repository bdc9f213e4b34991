// StatusSnapshot: the one read behind the status page, /api/stats and `patchqctl watch`,
// against a real redis-server holding known jobs.
#include "common/queue/status_snapshot.hpp"

#include <gtest/gtest.h>

#include "common/v7/rate_limiter.hpp"
#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

using StatusSnapshotTest = QueueFixture;

TEST_F(StatusSnapshotTest, AnEmptyQueueReadsZeroAndEmptyLists) {
  server_.command({"DEL", "t:jobs"});
  const StatusSnapshot s = read_status_snapshot(client_, keys_);
  EXPECT_GT(s.now_ms, 0);
  EXPECT_EQ(s.queue.queued + s.queue.pending + s.queue.retrying + s.queue.dead + s.queue.done, 0);
  EXPECT_TRUE(s.running.empty());
  EXPECT_TRUE(s.workers.empty());
  EXPECT_TRUE(s.recent_dead.empty());
  ASSERT_EQ(s.minutes.size(), 15u);
  EXPECT_EQ(s.minutes.back().minute, s.now_ms / 60000);
  EXPECT_EQ(s.backlog_eta_ms(), 0);
}

TEST_F(StatusSnapshotTest, CountsMatchQueueStats) {
  for (int i = 0; i < 6; ++i) enqueue();
  queue_.complete(take("w1"), "w1", 3, 60s);
  queue_.schedule_retry(take("w1"), "w1", 60s, "later");
  queue_.bury(take("w2"), "w2", "permanent", "gone");
  take("w2");
  const StatusSnapshot s = read_status_snapshot(client_, keys_);
  const QueueStats q = read_queue_stats(client_, keys_);
  EXPECT_EQ(s.queue.queued, q.queued);
  EXPECT_EQ(s.queue.pending, q.pending);
  EXPECT_EQ(s.queue.retrying, q.retrying);
  EXPECT_EQ(s.queue.dead, q.dead);
  EXPECT_EQ(s.queue.done, q.done);
  EXPECT_EQ(s.queue.consumers, q.consumers);
  EXPECT_EQ(s.queue.queued, 2);
  EXPECT_EQ(s.queue.dead, 1);
}

TEST_F(StatusSnapshotTest, RunningJobsNameTheirWorkerItemAndStart) {
  JobSpec spec;
  spec.payload = "{}";
  spec.target = "ds-a";
  spec.item_id = "item-<b>";
  const std::string id = queue_.enqueue(spec);
  take("host:42");
  const StatusSnapshot s = read_status_snapshot(client_, keys_);
  ASSERT_EQ(s.running.size(), 1u);
  EXPECT_EQ(s.running[0].consumer, "host:42");
  EXPECT_EQ(s.running[0].job_id, id);
  EXPECT_EQ(s.running[0].item_id, "item-<b>");
  EXPECT_EQ(s.running[0].target, "ds-a");
  EXPECT_EQ(s.running[0].since_ms, std::stoll(hget(id, "started_at")));
  EXPECT_EQ(s.running[0].deliveries, 1);
  ASSERT_EQ(s.workers.size(), 1u);
  EXPECT_EQ(s.workers[0].consumer, "host:42");
  EXPECT_EQ(s.workers[0].pending, 1);
}

TEST_F(StatusSnapshotTest, OutcomesAreCountedInTheCurrentMinute) {
  for (int i = 0; i < 4; ++i) enqueue();
  queue_.complete(take("w1"), "w1", 7, 60s);
  queue_.complete(take("w1"), "w1", 5, 60s);
  queue_.schedule_retry(take("w1"), "w1", 60s, "later");
  queue_.bury(take("w1"), "w1", "permanent", "gone");
  const StatusSnapshot s = read_status_snapshot(client_, keys_);
  const MinuteCounts& m = s.minutes.back();
  // The outcomes may straddle a minute boundary: sum the last two minutes.
  const MinuteCounts& p = s.minutes[s.minutes.size() - 2];
  EXPECT_EQ(m.done + p.done, 2);
  EXPECT_EQ(m.tiles + p.tiles, 12);
  EXPECT_EQ(m.retry + p.retry, 1);
  EXPECT_EQ(m.dead + p.dead, 1);
  EXPECT_DOUBLE_EQ(s.failure_rate(), 0.5);
  const long long ttl =
      server_.command({"TTL", "t:stats:minute:" + std::to_string(m.minute)}).integer;
  EXPECT_GT(ttl, 3000);
  EXPECT_LE(ttl, kMinuteCounterTtlSeconds);
}

TEST_F(StatusSnapshotTest, RatesAndEtaComeFromCompleteMinutes) {
  // 30 done in each of the 5 complete minutes before this one, and 999 in the current one,
  // which is partial and must not count. Written again if the clock crosses into the next
  // minute between writing and reading (it cannot do so twice within a few milliseconds).
  StatusSnapshot s;
  long long minute = 0;
  for (int i = 0; i < 60; ++i) enqueue();
  for (int attempt = 0; attempt < 3; ++attempt) {
    for (long long back = 0; back <= 5 && minute > 0; ++back) {
      server_.command({"DEL", "t:stats:minute:" + std::to_string(minute - back)});
    }
    minute = read_status_snapshot(client_, keys_).now_ms / 60000;
    for (int back = 1; back <= 5; ++back) {
      server_.command({"HSET", "t:stats:minute:" + std::to_string(minute - back), "done", "30"});
    }
    server_.command({"HSET", "t:stats:minute:" + std::to_string(minute), "done", "999"});
    s = read_status_snapshot(client_, keys_);
    if (s.now_ms / 60000 == minute) break;
  }
  ASSERT_EQ(s.now_ms / 60000, minute);
  EXPECT_DOUBLE_EQ(s.done_per_minute(), 30.0);
  EXPECT_EQ(s.backlog_eta_ms(), 120000);  // 60 jobs at 30 a minute
}

TEST_F(StatusSnapshotTest, NewestDeadLettersComeFirstWithTheirRecordFields) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(enqueue());
    queue_.bury(take("w1"), "w1", "permanent", "error " + std::to_string(i));
  }
  const StatusSnapshot s = read_status_snapshot(client_, keys_, {50, 3, 15, 120000});
  ASSERT_EQ(s.recent_dead.size(), 3u);
  EXPECT_EQ(s.recent_dead[0].job_id, ids[11]);
  EXPECT_EQ(s.recent_dead[0].error, "error 11");
  EXPECT_EQ(s.recent_dead[0].reason, "permanent");
  EXPECT_EQ(s.recent_dead[0].item_id, "item-1");
  EXPECT_EQ(s.recent_dead[0].target, "ds");
  EXPECT_EQ(s.recent_dead[2].job_id, ids[9]);
  EXPECT_EQ(s.queue.dead, 12);
}

TEST_F(StatusSnapshotTest, TheFleetBucketIsFoundWithoutScanningKeys) {
  v7::FleetRateLimiter::Options o;
  o.endpoint = server_.endpoint();
  o.key_prefix = "t:";
  o.api_key = "secret-key";
  o.rate_per_minute = 600;
  o.burst = 20;
  v7::FleetRateLimiter limiter(o);
  for (int i = 0; i < 5; ++i) limiter.acquire();
  const StatusSnapshot s = read_status_snapshot(client_, keys_);
  ASSERT_EQ(s.v7_buckets.size(), 1u);
  const V7Bucket& b = s.v7_buckets[0];
  EXPECT_EQ(b.key, v7::FleetRateLimiter::bucket_key("t:", "secret-key"));
  EXPECT_EQ(b.key.find("secret-key"), std::string::npos);
  EXPECT_EQ(b.burst, 20);
  EXPECT_EQ(b.rate_per_minute, 600);
  EXPECT_GE(b.tokens, 15.0);
  EXPECT_LT(b.tokens, 17.0);  // 5 taken, refilled by 10 a second for a few ms at most
  EXPECT_EQ(s.minutes.back().v7_calls + s.minutes[s.minutes.size() - 2].v7_calls, 5);
}

TEST_F(StatusSnapshotTest, JsonCarriesEveryPartAndEscapesOutsideText) {
  JobSpec spec;
  spec.payload = "{}";
  spec.target = "ds";
  spec.item_id = "a\"b\\c";
  queue_.enqueue(spec);
  queue_.bury(take("w1"), "w1", "permanent", "line1\nline2");
  const std::string json = status_snapshot_json(read_status_snapshot(client_, keys_));
  for (const char* part : {"\"queue\":{", "\"rates\":{", "\"running\":[", "\"workers\":[",
                           "\"minutes\":[", "\"v7_buckets\":[", "\"recent_dead\":["}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
  }
  EXPECT_NE(json.find(R"("item_id":"a\"b\\c")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("error":"line1\nline2")"), std::string::npos) << json;
  EXPECT_NE(json.find("\"dead\":1"), std::string::npos) << json;
}

}  // namespace
}  // namespace patchq::queue
