// The enqueue transaction: pure building and reply parsing, then the transaction itself on a
// real redis-server (record fields, stream entry, dedup, queue limit, batches), through both
// clients.
#include "common/queue/enqueue_script.hpp"

#include <gtest/gtest.h>

#include <future>

#include "common/queue/key_schema.hpp"
#include "common/redis/async_client.hpp"
#include "common/redis/sync_client.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/redis_async/io_thread.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;
using redis::RedisValue;
using testing::RedisServer;

EnqueueRequest request(std::string job_id, std::string hash = "h1") {
  EnqueueRequest r;
  r.job_id = std::move(job_id);
  r.payload = R"({"item":{"name":"a.jpg"}})";
  r.target = "crops";
  r.item_id = "item-1";
  r.delivery_id = "delivery-1";
  r.dedup_hash = std::move(hash);
  r.received_at_ms = 1700000000123;
  return r;
}

RedisValue text(std::string s) {
  RedisValue v;
  v.kind = RedisValue::Kind::string;
  v.str = std::move(s);
  return v;
}

RedisValue array(std::vector<RedisValue> items) {
  RedisValue v;
  v.kind = RedisValue::Kind::array;
  v.elements = std::move(items);
  return v;
}

RedisValue integer(long long n) {
  RedisValue v;
  v.kind = RedisValue::Kind::integer;
  v.integer = n;
  return v;
}

RedisValue error(std::string s) {
  RedisValue v;
  v.kind = RedisValue::Kind::error;
  v.str = std::move(s);
  return v;
}

// Runs a batch through the async client and waits for its outcomes.
std::vector<EnqueueOutcome> run_batch(redis::AsyncClient& client, const KeySchema& keys,
                                      std::vector<EnqueueRequest> requests,
                                      EnqueuePolicy policy = {}) {
  auto promise = std::make_shared<std::promise<std::vector<EnqueueOutcome>>>();
  auto future = promise->get_future();
  enqueue_async(client, keys, std::move(requests), policy,
                [promise](std::vector<EnqueueOutcome> o) { promise->set_value(std::move(o)); });
  if (future.wait_for(5s) != std::future_status::ready) return {};
  return future.get();
}

std::shared_ptr<redis::AsyncClient> connected(redis::test::IoThread& io, RedisServer& server) {
  redis::AsyncClient::Options options;
  options.endpoint = server.endpoint();
  auto client = redis::AsyncClient::create(io.strand(), options);
  client->start();
  EXPECT_TRUE(testing::wait_until([&] { return client->ready(); }));
  return client;
}

TEST(EnqueueTransaction, WritesOneRecordPerJobThenOneScriptCallWithTheKeysInOrder) {
  const KeySchema keys("p:");
  std::vector<EnqueueRequest> requests;
  requests.push_back(request("job-1", "h1"));
  requests.push_back(request("job-2", "h2"));
  const auto commands = build_enqueue_transaction(keys, requests, {500, 60s});
  ASSERT_EQ(commands.size(), 3u);
  const std::vector<std::string> hset = {
      "HSET",        "p:job:job-1",  "payload",     R"({"item":{"name":"a.jpg"}})",
      "target",      "crops",        "item_id",     "item-1",
      "delivery_id", "delivery-1",   "received_at", "1700000000123",
      "status",      "queued",       "attempts",    "0",
      "updated_at",  "1700000000123"};
  auto record = commands[0];
  ASSERT_EQ(record.size(), hset.size());
  // The payload is stored compressed (payload_codec.hpp); everything else verbatim.
  EXPECT_EQ(patchq::testing::stored_json(record[3]), hset[3]);
  EXPECT_LT(record[3].size(), 64u);
  record[3] = hset[3];
  EXPECT_EQ(record, hset);
  const auto& eval = commands[2];
  ASSERT_EQ(eval.size(), 3u + 6u + 3u + 4u);  // EVAL script numkeys, keys, policy, jobs
  EXPECT_EQ(eval[0], "EVAL");
  std::vector<EnqueueRequest> other;
  other.push_back(request("job-3", "h3"));
  EXPECT_EQ(eval[1], build_enqueue_transaction(keys, other, {}).back()[1]);  // one script
  EXPECT_NE(eval[1].find("XADD"), std::string::npos);
  EXPECT_EQ(eval[2], "6");
  const std::vector<std::string> rest(eval.begin() + 3, eval.end());
  const std::vector<std::string> expected = {
      "p:jobs",          "p:dedup:h1", "p:job:job-1", "p:dedup:h2", "p:job:job-2",
      "p:stats:skipped", "500",        "60",          "604800000",  "job-1",
      "queue",           "job-2",      "queue"};
  EXPECT_EQ(rest, expected);
}

TEST(EnqueueTransactionReply, GivesEachJobItsOwnOutcome) {
  const auto reply = array({integer(8), integer(8), integer(8),
                            array({text("queued"), text("j1"), text("duplicate"), text("j0"),
                                   text("full"), text("10")})});
  const auto out = parse_enqueue_transaction_reply(reply, 3);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].status, EnqueueStatus::queued);
  EXPECT_EQ(out[0].job_id, "j1");
  EXPECT_EQ(out[1].status, EnqueueStatus::duplicate);
  EXPECT_EQ(out[1].job_id, "j0");
  EXPECT_EQ(out[2].status, EnqueueStatus::full);
  EXPECT_TRUE(out[2].job_id.empty());
}

TEST(EnqueueTransactionReply, RefusesEveryJobOnAnErrorOrAnOddShape) {
  const auto aborted = parse_enqueue_transaction_reply(error("EXECABORT OOM"), 2);
  ASSERT_EQ(aborted.size(), 2u);
  EXPECT_EQ(aborted[1].status, EnqueueStatus::refused);
  EXPECT_NE(aborted[1].reason.find("OOM"), std::string::npos);
  EXPECT_EQ(parse_enqueue_transaction_reply(array({integer(8)}), 2)[0].status,
            EnqueueStatus::refused);
  EXPECT_EQ(parse_enqueue_transaction_reply(array({integer(8), error("ERR script")}), 1)[0].status,
            EnqueueStatus::refused);
  EXPECT_EQ(
      parse_enqueue_transaction_reply(array({integer(8), array({text("weird"), text("x")})}), 1)[0]
          .status,
      EnqueueStatus::refused);
}

TEST(EnqueueScript, WritesTheRecordWithExactlyTheSchemaFields) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  ASSERT_EQ(enqueue_sync(client, keys, request("job-1")).status, EnqueueStatus::queued);
  const RedisValue record = server.command({"HGETALL", keys.job_record("job-1")});
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < record.elements.size(); i += 2) {
    fields[record.elements[i].str] = record.elements[i + 1].str;
  }
  ASSERT_EQ(fields.size(), 8u);
  EXPECT_EQ(patchq::testing::stored_json(fields["payload"]), R"({"item":{"name":"a.jpg"}})");
  EXPECT_EQ(fields["target"], "crops");
  EXPECT_EQ(fields["item_id"], "item-1");
  EXPECT_EQ(fields["delivery_id"], "delivery-1");
  EXPECT_EQ(fields["received_at"], "1700000000123");
  EXPECT_EQ(fields["status"], "queued");
  EXPECT_EQ(fields["attempts"], "0");
  EXPECT_EQ(fields["updated_at"], "1700000000123");
  EXPECT_EQ(server.command({"TTL", keys.job_record("job-1")}).integer, -1);
}

TEST(EnqueueScript, AddsAStreamEntryCarryingOnlyTheJobIdAndAttemptZero) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  enqueue_sync(client, keys, request("job-1"));
  const RedisValue entries = server.command({"XRANGE", keys.jobs_stream(), "-", "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  const auto& fields = entries.elements[0].elements[1].elements;
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].str, "job_id");
  EXPECT_EQ(fields[1].str, "job-1");
  EXPECT_EQ(fields[2].str, "attempt");
  EXPECT_EQ(fields[3].str, "0");
}

TEST(EnqueueScript, ARepeatedDeliveryAnswersWithTheOriginalJobAndLeavesNoRecord) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  enqueue_sync(client, keys, request("job-1", "same"));
  const EnqueueOutcome again = enqueue_sync(client, keys, request("job-2", "same"));
  EXPECT_EQ(again.status, EnqueueStatus::duplicate);
  EXPECT_EQ(again.job_id, "job-1");
  EXPECT_EQ(server.command({"XLEN", keys.jobs_stream()}).integer, 1);
  EXPECT_EQ(server.command({"EXISTS", keys.job_record("job-2")}).integer, 0);
}

TEST(EnqueueScript, RemembersTheDeliveryForTheDedupWindow) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  enqueue_sync(client, keys, request("job-1", "h"));
  EXPECT_EQ(server.command({"GET", keys.dedup("h")}).str, "job-1");
  const long long ttl = server.command({"TTL", keys.dedup("h")}).integer;
  EXPECT_GT(ttl, 86400 - 60);
  EXPECT_LE(ttl, 86400);
}

TEST(EnqueueScript, RefusesWhenTheQueueIsAtItsLimitAndLeavesNothing) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  const EnqueuePolicy policy{3, 24h};
  for (int i = 0; i < 3; ++i) {
    const auto id = std::to_string(i);
    ASSERT_EQ(enqueue_sync(client, keys, request("job-" + id, "h" + id), policy).status,
              EnqueueStatus::queued);
  }
  const EnqueueOutcome full = enqueue_sync(client, keys, request("job-3", "h3"), policy);
  EXPECT_EQ(full.status, EnqueueStatus::full);
  EXPECT_EQ(server.command({"XLEN", keys.jobs_stream()}).integer, 3);
  EXPECT_EQ(server.command({"EXISTS", keys.job_record("job-3")}).integer, 0);
  EXPECT_EQ(server.command({"EXISTS", keys.dedup("h3")}).integer, 0);
}

TEST(EnqueueScript, ADuplicateIsAnsweredEvenWhenTheQueueIsFull) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  const EnqueuePolicy policy{1, 24h};
  enqueue_sync(client, keys, request("job-1", "h"), policy);
  EXPECT_EQ(enqueue_sync(client, keys, request("job-2", "h"), policy).status,
            EnqueueStatus::duplicate);
}

TEST(EnqueueScript, ASkippedDeliveryIsRecordedWithItsReasonAndNeverQueued) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  EnqueueRequest skipped = request("job-1", "h");
  skipped.skip_reason = "the item has no image slot (slot types: \"video\")";
  const EnqueuePolicy policy{1, 24h, 90s};
  const EnqueueOutcome outcome = enqueue_sync(client, keys, skipped, policy);
  EXPECT_EQ(outcome.status, EnqueueStatus::skipped);
  EXPECT_EQ(outcome.job_id, "job-1");
  EXPECT_EQ(server.command({"XLEN", keys.jobs_stream()}).integer, 0);
  EXPECT_EQ(server.command({"HGET", keys.job_record("job-1"), "status"}).str, "skipped");
  EXPECT_EQ(server.command({"HGET", keys.job_record("job-1"), "note"}).str, skipped.skip_reason);
  EXPECT_EQ(server.command({"HGET", keys.job_record("job-1"), "finished_at"}).str, "1700000000123");
  const long long ttl = server.command({"PTTL", keys.job_record("job-1")}).integer;
  EXPECT_GT(ttl, 80'000);
  EXPECT_LE(ttl, 90'000);
  // Remembered like any delivery, and it took no queue room.
  EXPECT_EQ(enqueue_sync(client, keys, request("job-2", "h"), policy).status,
            EnqueueStatus::duplicate);
  EXPECT_EQ(enqueue_sync(client, keys, request("job-3", "h3"), policy).status,
            EnqueueStatus::queued);
  skipped.job_id = "job-4";
  skipped.dedup_hash = "h4";
  EXPECT_EQ(enqueue_sync(client, keys, skipped, policy).status,
            EnqueueStatus::skipped);  // a full queue does not refuse a skip
  // Counted for patchqctl stats: the two skips, not the duplicate or the queued job.
  EXPECT_EQ(server.command({"GET", keys.skipped_counter()}).str, "2");
}

TEST(EnqueueBatch, DecidesEachJobInOrderWithinOneTransaction) {
  RedisServer server;
  redis::test::IoThread io;
  auto client = connected(io, server);
  const KeySchema keys("q:");
  std::vector<EnqueueRequest> batch;
  batch.push_back(request("a", "ha"));
  batch.push_back(request("b", "ha"));  // the same delivery again, in the same batch
  batch.push_back(request("c", "hc"));
  batch.push_back(request("d", "hd"));  // over the limit of 2
  const auto out = run_batch(*client, keys, std::move(batch), {2, 24h});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].status, EnqueueStatus::queued);
  EXPECT_EQ(out[1].status, EnqueueStatus::duplicate);
  EXPECT_EQ(out[1].job_id, "a");
  EXPECT_EQ(out[2].status, EnqueueStatus::queued);
  EXPECT_EQ(out[3].status, EnqueueStatus::full);
  EXPECT_EQ(server.command({"XLEN", "q:jobs"}).integer, 2);
  EXPECT_EQ(server.command({"EXISTS", "q:job:b", "q:job:d"}).integer, 0);
  EXPECT_EQ(server.command({"EXISTS", "q:job:a", "q:job:c"}).integer, 2);
  redis::test::stop_and_wait(*client);
}

TEST(EnqueueBatch, StoresEveryPayloadOfALargeBatchIntact) {
  RedisServer server;
  redis::test::IoThread io;
  auto client = connected(io, server);
  const KeySchema keys;
  std::vector<EnqueueRequest> batch;
  for (int i = 0; i < 64; ++i) {
    auto r = request("job-" + std::to_string(i), "h" + std::to_string(i));
    r.payload = std::string(2000 + i, static_cast<char>('a' + i % 26));
    batch.push_back(std::move(r));
  }
  const auto out = run_batch(*client, keys, std::move(batch));
  ASSERT_EQ(out.size(), 64u);
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(out[i].status, EnqueueStatus::queued);
    EXPECT_EQ(
        patchq::testing::stored_json(
            server.command({"HGET", keys.job_record("job-" + std::to_string(i)), "payload"}).str),
        std::string(2000 + i, static_cast<char>('a' + i % 26)));
  }
  redis::test::stop_and_wait(*client);
}

TEST(EnqueueBatch, IsRefusedAsAWholeWhenRedisRejectsTheTransaction) {
  RedisServer server;
  server.command({"CONFIG", "SET", "maxmemory", "1"});  // every write is refused with OOM
  redis::test::IoThread io;
  auto client = connected(io, server);
  std::vector<EnqueueRequest> batch;
  batch.push_back(request("a", "ha"));
  batch.push_back(request("b", "hb"));
  const auto out = run_batch(*client, KeySchema(), std::move(batch));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status, EnqueueStatus::refused);
  EXPECT_EQ(out[1].status, EnqueueStatus::refused);
  server.command({"CONFIG", "SET", "maxmemory", "0"});
  EXPECT_EQ(server.command({"DBSIZE"}).integer, 0);
  redis::test::stop_and_wait(*client);
}

TEST(EnqueueBatch, ReportsUnavailableForEveryJobWhenRedisIsDown) {
  RedisServer server;
  redis::test::IoThread io;
  auto client = connected(io, server);
  server.kill();
  ASSERT_TRUE(testing::wait_until([&] { return !client->ready(); }));
  std::vector<EnqueueRequest> batch;
  batch.push_back(request("a", "ha"));
  batch.push_back(request("b", "hb"));
  const auto out = run_batch(*client, KeySchema(), std::move(batch));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status, EnqueueStatus::unavailable);
  EXPECT_EQ(out[1].status, EnqueueStatus::unavailable);
  EXPECT_FALSE(out[0].reason.empty());
  redis::test::stop_and_wait(*client);
}

}  // namespace
}  // namespace patchq::queue
