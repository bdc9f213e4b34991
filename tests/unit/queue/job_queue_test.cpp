// JobQueue: enqueue, read, start and complete, and the record fields each step writes.
#include "common/queue/job_queue.hpp"

#include <gtest/gtest.h>

#include "common/queue/enqueue_script.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;

using JobQueueTest = QueueFixture;

TEST_F(JobQueueTest, EnqueueWritesTheRecordFieldsAndOneStreamEntry) {
  JobSpec spec;
  spec.payload = R"({"a":1})";
  spec.target = "ds-patches";
  spec.item_id = "item-9";
  spec.delivery_id = "delivery-3";
  spec.received_at_ms = 1700000000123;
  const std::string id = queue_.enqueue(spec);
  EXPECT_EQ(id.size(), 36u);  // a UUIDv7, like the receiver's
  EXPECT_EQ(patchq::testing::stored_json(hget(id, "payload")), R"({"a":1})");
  EXPECT_EQ(hget(id, "target"), "ds-patches");
  EXPECT_EQ(hget(id, "item_id"), "item-9");
  EXPECT_EQ(hget(id, "delivery_id"), "delivery-3");
  EXPECT_EQ(hget(id, "received_at"), "1700000000123");
  EXPECT_EQ(hget(id, "status"), "queued");
  EXPECT_EQ(hget(id, "attempts"), "0");
  EXPECT_FALSE(hget(id, "updated_at").empty());
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 1);
  EXPECT_EQ(integer({"TTL", keys_.job_record(id)}), -1);  // no TTL while it can run
}

TEST_F(JobQueueTest, AJobEnqueuedByTheReceiversScriptIsReadWithAllItsFields) {
  EnqueueRequest request;
  request.job_id = "0190c0de-0000-7000-8000-000000000001";
  request.payload = R"({"item":{}})";
  request.target = "ds-tiles";
  request.item_id = "item-3";
  request.delivery_id = "webhook-9";
  request.dedup_hash = "h1";
  request.received_at_ms = 1700000000999;
  ASSERT_EQ(enqueue_sync(client_, keys_, request).status, EnqueueStatus::queued);
  const Job job = take("w1");
  EXPECT_EQ(job.id, request.job_id);
  EXPECT_EQ(job.payload, R"({"item":{}})");
  EXPECT_EQ(job.target, "ds-tiles");
  EXPECT_EQ(job.item_id, "item-3");
  EXPECT_EQ(job.delivery_id, "webhook-9");
  EXPECT_EQ(job.received_at_ms, 1700000000999);
  EXPECT_EQ(job.attempt, 0);
  EXPECT_TRUE(queue_.complete(job, "w1", 1, 60s));
}

TEST_F(JobQueueTest, EnqueueThrowsWhenRedisRefusesTheJob) {
  enqueue();
  server_.command({"CONFIG", "SET", "maxmemory", "1"});  // every write now fails with OOM
  EXPECT_THROW(enqueue(), QueueError);
  server_.command({"CONFIG", "SET", "maxmemory", "0"});
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 1);
}

TEST_F(JobQueueTest, ReadReturnsNothingWhenTheStreamIsEmpty) {
  EXPECT_FALSE(queue_.read("w1", 50ms).has_value());
}

TEST_F(JobQueueTest, ReadStartsTheJobWithItsRecordFields) {
  const std::string id = enqueue(R"({"x":true})");
  const Job job = take("w1");
  EXPECT_EQ(job.id, id);
  EXPECT_EQ(job.payload, R"({"x":true})");
  EXPECT_EQ(job.target, "ds");
  EXPECT_EQ(job.item_id, "item-1");
  EXPECT_EQ(job.delivery_id, "d-1");
  EXPECT_EQ(job.attempt, 0);
  EXPECT_EQ(job.deliveries, 1);
  EXPECT_GT(job.received_at_ms, 0);
  EXPECT_FALSE(job.stream_entry_id.empty());
  EXPECT_EQ(hget(id, "status"), "running");
  EXPECT_EQ(hget(id, "worker"), "w1");
  EXPECT_EQ(hget(id, "attempts"), "1");
  EXPECT_FALSE(hget(id, "started_at").empty());
}

TEST_F(JobQueueTest, APlainJsonPayloadIsReadAsIsAndACorruptFrameIsReportedNotRun) {
  const std::string plain = enqueue();
  server_.command({"HSET", keys_.job_record(plain), "payload", R"({"plain":1})"});
  const Job first = take("w1");
  EXPECT_EQ(first.id, plain);
  EXPECT_EQ(first.payload, R"({"plain":1})");
  EXPECT_TRUE(first.payload_error.empty());

  const std::string corrupt = enqueue();
  server_.command({"HSET", keys_.job_record(corrupt), "payload", "\x28\xb5\x2f\xfd broken"});
  const Job second = take("w1");
  EXPECT_EQ(second.id, corrupt);
  EXPECT_TRUE(second.payload.empty());
  EXPECT_NE(second.payload_error.find("stored payload"), std::string::npos) << second.payload_error;
}

TEST_F(JobQueueTest, CompleteAcksDeletesTheEntryAndSetsTheDoneTtl) {
  const std::string id = enqueue();
  const Job job = take("w1");
  EXPECT_TRUE(queue_.complete(job, "w1", 12, 60s));
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
  EXPECT_EQ(server_.command({"XPENDING", "t:jobs", "workers"}).elements[0].integer, 0);
  EXPECT_EQ(hget(id, "status"), "done");
  EXPECT_EQ(hget(id, "tiles"), "12");
  EXPECT_FALSE(hget(id, "finished_at").empty());
  const auto ttl = integer({"PTTL", keys_.job_record(id)});
  EXPECT_GT(ttl, 50000);
  EXPECT_LE(ttl, 60000);
  EXPECT_EQ(server_.command({"GET", "t:stats:done"}).str, "1");
}

TEST_F(JobQueueTest, CompleteKeepsTheOutcomesNoteInTheRecord) {
  const std::string id = enqueue();
  const Job job = take("w1");
  EXPECT_TRUE(queue_.complete(job, "w1", 0, 60s, "2 patch annotations skipped: 2 x reason"));
  EXPECT_EQ(hget(id, "status"), "done");
  EXPECT_EQ(hget(id, "tiles"), "0");
  EXPECT_EQ(hget(id, "note"), "2 patch annotations skipped: 2 x reason");
}

TEST_F(JobQueueTest, CompleteWritesTheTileCountsItIsGiven) {
  const std::string id = enqueue();
  EXPECT_TRUE(queue_.complete(take("w1"), "w1", 7, 60s, "", TileCounts{5, 2, 3}));
  EXPECT_EQ(hget(id, "tiles_new"), "5");
  EXPECT_EQ(hget(id, "tiles_already"), "2");
  EXPECT_EQ(hget(id, "tiles_superseded"), "3");
  // Superseded not known: the field is left out rather than written as 0.
  const std::string other = enqueue(R"({"second":true})");
  EXPECT_TRUE(queue_.complete(take("w1"), "w1", 1, 60s, "", TileCounts{1, 0, std::nullopt}));
  EXPECT_EQ(hget(other, "tiles_new"), "1");
  EXPECT_EQ(server_.command({"HEXISTS", keys_.job_record(other), "tiles_superseded"}).integer, 0);
}

TEST_F(JobQueueTest, AnOutcomeFromAConsumerThatLostTheLeaseIsRefused) {
  const std::string id = enqueue();
  const Job job = take("w1");
  server_.command({"XCLAIM", "t:jobs", "workers", "w2", "0", job.stream_entry_id});
  EXPECT_FALSE(queue_.complete(job, "w1", 1, 60s));
  EXPECT_FALSE(queue_.schedule_retry(job, "w1", 10ms, "boom").has_value());
  EXPECT_FALSE(queue_.bury(job, "w1", "permanent", "boom").has_value());
  EXPECT_FALSE(queue_.renew_lease(job, "w1"));
  EXPECT_EQ(hget(id, "status"), "running");
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 1);
  EXPECT_TRUE(queue_.complete(job, "w2", 1, 60s));
}

TEST_F(JobQueueTest, AnEntryWithoutARecordIsDroppedInsteadOfRun) {
  const std::string id = enqueue();
  server_.command({"DEL", keys_.job_record(id)});
  auto delivery = queue_.read("w1", 500ms);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_FALSE(queue_.start(*delivery, "w1").has_value());
  EXPECT_EQ(integer({"XLEN", "t:jobs"}), 0);
}

TEST_F(JobQueueTest, ReadRecreatesAMissingGroupAndThenDelivers) {
  server_.command({"DEL", "t:jobs"});
  EXPECT_FALSE(queue_.read("w1", 10ms).has_value());
  enqueue();
  EXPECT_TRUE(queue_.read("w1", 500ms).has_value());
}

TEST_F(JobQueueTest, EntriesAddedBeforeTheGroupExistedAreDelivered) {
  server_.command({"DEL", "t:jobs"});
  const std::string id = enqueue();  // as a receiver would, before any worker started
  queue_.ensure_group();
  EXPECT_EQ(take("w1").id, id);
}

TEST_F(JobQueueTest, PruneDeletesIdleConsumersWithoutPendingEntriesOnly) {
  enqueue();
  take("busy");
  server_.command({"XGROUP", "CREATECONSUMER", "t:jobs", "workers", "idle"});
  ASSERT_TRUE(testing::wait_until([&] { return queue_.prune_idle_consumers(20ms) == 1; }));
  const auto consumers = server_.command({"XINFO", "CONSUMERS", "t:jobs", "workers"});
  ASSERT_EQ(consumers.elements.size(), 1u);
  EXPECT_EQ(consumers.elements[0].elements[1].str, "busy");
}

}  // namespace
}  // namespace patchq::queue
