// The enqueue script: pure argument building and reply parsing, then the script itself on a
// real redis-server (record fields, stream entry, dedup, queue limit), through both clients.
#include "common/queue/enqueue_script.hpp"

#include <gtest/gtest.h>

#include <future>

#include "common/redis/async_client.hpp"
#include "common/redis/sync_client.hpp"
#include "tests/support/redis_server.hpp"
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

RedisValue array(std::vector<std::string> items) {
  RedisValue v;
  v.kind = RedisValue::Kind::array;
  for (auto& s : items) {
    RedisValue e;
    e.kind = RedisValue::Kind::string;
    e.str = std::move(s);
    v.elements.push_back(std::move(e));
  }
  return v;
}

TEST(EnqueueCall, ListsTheThreeKeysThenTheArgumentsInScriptOrder) {
  const KeySchema keys("p:");
  EnqueueRequest r = request("job-1");
  r.max_queue = 500;
  const EnqueueCall call = build_enqueue_call(keys, std::move(r));
  ASSERT_EQ(call.key_count, 3u);
  const std::vector<std::string> expected = {
      "p:dedup:h1", "p:jobs", "p:job:job-1", "job-1",         R"({"item":{"name":"a.jpg"}})",
      "crops",      "item-1", "delivery-1",  "1700000000123", "500",
      "86400"};
  EXPECT_EQ(call.keys_and_args, expected);
}

TEST(EnqueueReply, ParsesQueuedDuplicateAndFull) {
  auto queued = parse_enqueue_reply(array({"queued", "j1"}));
  EXPECT_EQ(queued.status, EnqueueStatus::queued);
  EXPECT_EQ(queued.job_id, "j1");
  auto dup = parse_enqueue_reply(array({"duplicate", "j0"}));
  EXPECT_EQ(dup.status, EnqueueStatus::duplicate);
  EXPECT_EQ(dup.job_id, "j0");
  auto full = parse_enqueue_reply(array({"full", "10"}));
  EXPECT_EQ(full.status, EnqueueStatus::full);
  EXPECT_TRUE(full.job_id.empty());
}

TEST(EnqueueReply, TreatsErrorsAndOddShapesAsRefused) {
  RedisValue error;
  error.kind = RedisValue::Kind::error;
  error.str = "OOM command not allowed";
  auto refused = parse_enqueue_reply(error);
  EXPECT_EQ(refused.status, EnqueueStatus::refused);
  EXPECT_NE(refused.reason.find("OOM"), std::string::npos);
  EXPECT_EQ(parse_enqueue_reply(array({"queued"})).status, EnqueueStatus::refused);
  EXPECT_EQ(parse_enqueue_reply(array({"weird", "x"})).status, EnqueueStatus::refused);
  EXPECT_EQ(parse_enqueue_reply(RedisValue{}).status, EnqueueStatus::refused);
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
  EXPECT_EQ(fields["payload"], R"({"item":{"name":"a.jpg"}})");
  EXPECT_EQ(fields["target"], "crops");
  EXPECT_EQ(fields["item_id"], "item-1");
  EXPECT_EQ(fields["delivery_id"], "delivery-1");
  EXPECT_EQ(fields["received_at"], "1700000000123");
  EXPECT_EQ(fields["status"], "queued");
  EXPECT_EQ(fields["attempts"], "0");
  EXPECT_GT(std::stoll(fields["updated_at"]), 1700000000000);
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

TEST(EnqueueScript, ARepeatedDeliveryAnswersWithTheOriginalJobAndWritesNothing) {
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

TEST(EnqueueScript, RefusesWhenTheQueueIsAtItsLimitAndWritesNothing) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  for (int i = 0; i < 3; ++i) {
    EnqueueRequest r = request("job-" + std::to_string(i), "h" + std::to_string(i));
    r.max_queue = 3;
    ASSERT_EQ(enqueue_sync(client, keys, std::move(r)).status, EnqueueStatus::queued);
  }
  EnqueueRequest r = request("job-3", "h3");
  r.max_queue = 3;
  const EnqueueOutcome full = enqueue_sync(client, keys, std::move(r));
  EXPECT_EQ(full.status, EnqueueStatus::full);
  EXPECT_EQ(server.command({"XLEN", keys.jobs_stream()}).integer, 3);
  EXPECT_EQ(server.command({"EXISTS", keys.job_record("job-3")}).integer, 0);
  EXPECT_EQ(server.command({"EXISTS", keys.dedup("h3")}).integer, 0);
}

TEST(EnqueueScript, ADuplicateIsAnsweredEvenWhenTheQueueIsFull) {
  RedisServer server;
  redis::SyncClient client({server.endpoint()});
  const KeySchema keys;
  EnqueueRequest first = request("job-1", "h");
  first.max_queue = 1;
  enqueue_sync(client, keys, std::move(first));
  EnqueueRequest again = request("job-2", "h");
  again.max_queue = 1;
  EXPECT_EQ(enqueue_sync(client, keys, std::move(again)).status, EnqueueStatus::duplicate);
}

TEST(EnqueueScript, RunsThroughTheAsyncClientWithThePreloadedScript) {
  RedisServer server;
  redis::test::IoThread io;
  redis::AsyncClient::Options options;
  options.endpoint = server.endpoint();
  options.preload = {&enqueue_script()};
  auto client = redis::AsyncClient::create(io.strand(), options);
  client->start();
  ASSERT_TRUE(testing::wait_until([&] { return client->ready(); }));
  const KeySchema keys("q:");
  std::promise<EnqueueOutcome> promise;
  enqueue_async(*client, keys, request("job-9"),
                [&](EnqueueOutcome o) { promise.set_value(std::move(o)); });
  auto future = promise.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  const EnqueueOutcome out = future.get();
  EXPECT_EQ(out.status, EnqueueStatus::queued);
  EXPECT_EQ(out.job_id, "job-9");
  EXPECT_EQ(server.command({"XLEN", "q:jobs"}).integer, 1);
  redis::test::stop_and_wait(*client);
}

TEST(EnqueueScript, ReportsUnavailableWhenRedisIsDown) {
  RedisServer server;
  redis::test::IoThread io;
  redis::AsyncClient::Options options;
  options.endpoint = server.endpoint();
  auto client = redis::AsyncClient::create(io.strand(), options);
  client->start();
  ASSERT_TRUE(testing::wait_until([&] { return client->ready(); }));
  server.kill();
  ASSERT_TRUE(testing::wait_until([&] { return !client->ready(); }));
  std::promise<EnqueueOutcome> promise;
  enqueue_async(*client, KeySchema(), request("job-1"),
                [&](EnqueueOutcome o) { promise.set_value(std::move(o)); });
  const EnqueueOutcome out = promise.get_future().get();
  EXPECT_EQ(out.status, EnqueueStatus::unavailable);
  EXPECT_FALSE(out.reason.empty());
  redis::test::stop_and_wait(*client);
}

}  // namespace
}  // namespace patchq::queue
