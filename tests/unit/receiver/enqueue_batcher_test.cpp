// EnqueueBatcher against a real redis-server: every job answered once with its own outcome,
// jobs that arrive together share transactions, batches stay within their bounds.
#include "services/receiver/enqueue_batcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/redis_async/io_thread.hpp"

namespace patchq::receiver {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

queue::EnqueueRequest job(int n) {
  queue::EnqueueRequest r;
  r.job_id = "job-" + std::to_string(n);
  r.payload = "payload-" + std::to_string(n);
  r.target = "t";
  r.item_id = "item-" + std::to_string(n);
  r.delivery_id = "d-" + std::to_string(n);
  r.dedup_hash = "h-" + std::to_string(n);
  r.received_at_ms = 1;
  return r;
}

long long exec_calls(RedisServer& redis) {
  const std::string stats = redis.command({"INFO", "commandstats"}).str;
  const auto at = stats.find("cmdstat_exec:calls=");
  if (at == std::string::npos) return 0;
  return std::stoll(stats.substr(at + 19));
}

class Batching : public ::testing::Test {
 protected:
  std::shared_ptr<EnqueueBatcher> make(EnqueueBatcher::Options options) {
    redis::AsyncClient::Options o;
    o.endpoint = redis.endpoint();
    o.reconnect_backoff = {20ms, 200ms};
    client = redis::AsyncClient::create(io.strand(), o);
    client->start();
    EXPECT_TRUE(testing::wait_until([&] { return client->ready(); }));
    return std::make_shared<EnqueueBatcher>(client, queue::KeySchema(), options);
  }
  void TearDown() override {
    if (client) redis::test::stop_and_wait(*client);
  }

  RedisServer redis;
  redis::test::IoThread io;
  std::shared_ptr<redis::AsyncClient> client;
};

TEST_F(Batching, AnswersEveryJobOnceWithItsOwnOutcome) {
  auto batcher = make({});
  constexpr int kJobs = 400;
  std::mutex mutex;
  std::vector<std::string> answered(kJobs);
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kJobs; i += 4) {
        batcher->submit(job(i), [&, i](queue::EnqueueOutcome o) {
          std::lock_guard lock(mutex);
          answered[i] += o.status == queue::EnqueueStatus::queued ? o.job_id : "not queued";
          ++calls;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(testing::wait_until([&] { return calls.load() == kJobs; }));
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(answered[i], "job-" + std::to_string(i));
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, kJobs);
}

TEST_F(Batching, JobsArrivingWhileABatchIsInFlightShareTheNextTransaction) {
  auto batcher = make({});
  constexpr int kJobs = 300;
  std::atomic<int> calls{0};
  for (int i = 0; i < kJobs; ++i) batcher->submit(job(i), [&](queue::EnqueueOutcome) { ++calls; });
  ASSERT_TRUE(testing::wait_until([&] { return calls.load() == kJobs; }));
  EXPECT_LT(exec_calls(redis), kJobs / 4) << "jobs submitted together should share transactions";
}

TEST_F(Batching, KeepsEachBatchWithinMaxJobs) {
  EnqueueBatcher::Options options;
  options.max_jobs = 4;
  auto batcher = make(options);
  std::atomic<int> calls{0};
  for (int i = 0; i < 40; ++i) batcher->submit(job(i), [&](queue::EnqueueOutcome) { ++calls; });
  ASSERT_TRUE(testing::wait_until([&] { return calls.load() == 40; }));
  EXPECT_GE(exec_calls(redis), 10);
}

TEST_F(Batching, SendsJobsInSubmissionOrder) {
  auto batcher = make({});
  std::atomic<int> calls{0};
  for (int i = 0; i < 50; ++i) batcher->submit(job(i), [&](queue::EnqueueOutcome) { ++calls; });
  ASSERT_TRUE(testing::wait_until([&] { return calls.load() == 50; }));
  const auto entries = redis.command({"XRANGE", "patchq:jobs", "-", "+"});
  ASSERT_EQ(entries.elements.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(entries.elements[i].elements[1].elements[1].str, "job-" + std::to_string(i));
  }
}

TEST_F(Batching, AnswersUnavailableForEveryJobWhileRedisIsDown) {
  auto batcher = make({});
  redis.kill();
  ASSERT_TRUE(testing::wait_until([&] { return !client->ready(); }));
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 20; ++i) {
    batcher->submit(job(i), [&](queue::EnqueueOutcome o) {
      if (o.status == queue::EnqueueStatus::unavailable) ++unavailable;
    });
  }
  EXPECT_TRUE(testing::wait_until([&] { return unavailable.load() == 20; }));
}

}  // namespace
}  // namespace patchq::receiver
