// Under concurrent load: every 202 is a stored job with its payload intact, and Redis dying
// mid-burst costs only the requests it was answering (503), never an acknowledged job.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/receiver/receiver_process.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

// Job ids of every entry in the jobs stream.
std::set<std::string> stream_job_ids(RedisServer& redis) {
  std::set<std::string> ids;
  const auto entries = redis.command({"XRANGE", "patchq:jobs", "-", "+"});
  for (const auto& e : entries.elements) ids.insert(e.elements[1].elements[1].str);
  return ids;
}

TEST(ReceiverLoad, EveryAcknowledgedPostIsOneStoredJobWithItsPayloadIntact) {
  RedisServer redis;
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  constexpr int kThreads = 16;
  constexpr long kPerThread = 100;
  Burst burst(receiver.port(), kThreads, kPerThread);
  burst.wait();
  const auto answers = burst.answers();
  ASSERT_EQ(answers.size(), static_cast<std::size_t>(kThreads * kPerThread));
  const std::set<std::string> stored = stream_job_ids(redis);
  std::size_t accepted = 0;
  for (const auto& a : answers) {
    ASSERT_EQ(a.status, 202);
    ++accepted;
    ASSERT_TRUE(stored.contains(a.job_id)) << a.job_id;
    ASSERT_EQ(patchq::testing::stored_json(
                  redis.command({"HGET", "patchq:job:" + a.job_id, "payload"}).str),
              unique_payload(a.n));
  }
  EXPECT_EQ(accepted, stored.size());
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, static_cast<long long>(accepted));
}

TEST(ReceiverLoad, RedisKilledDuringABurstLosesNoAcknowledgedJobAndTheReceiverRecovers) {
  RedisServer redis(RedisServer::Options{.append_only = true});  // fsync before every reply
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  Burst burst(receiver.port(), 8, 100'000);
  ASSERT_TRUE(wait_until([&] { return burst.count(202) >= 300; }, 20s));
  redis.kill();
  ASSERT_TRUE(wait_until([&] { return burst.count(503) >= 50; }, 20s));
  burst.stop();

  redis.start();  // same port and directory: the AOF is replayed
  const std::set<std::string> stored = stream_job_ids(redis);
  std::size_t accepted = 0, unavailable = 0;
  for (const auto& a : burst.answers()) {
    ASSERT_TRUE(a.status == 202 || a.status == 503) << "status " << a.status;
    if (a.status == 202) {
      ++accepted;
      EXPECT_TRUE(stored.contains(a.job_id)) << "acknowledged job lost: " << a.job_id;
    } else {
      ++unavailable;
    }
  }
  EXPECT_GE(accepted, 300u);
  EXPECT_GE(unavailable, 50u);
  // An answer that was lost with the connection may still have been stored, never the reverse.
  EXPECT_GE(stored.size(), accepted);

  // No restart of the receiver: it reconnects by itself and acknowledges again.
  EXPECT_TRUE(wait_until(
      [&] { return post_webhook(receiver.port(), unique_payload(-1)).status == 202; }, 15s));
  EXPECT_TRUE(receiver.process().running());
}

}  // namespace
}  // namespace patchq::testing
