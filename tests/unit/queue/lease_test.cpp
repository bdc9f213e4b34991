// Leases: a running job's lease is renewed while it runs; an expired (or released) lease is
// claimed by another consumer, and every claim counts as a delivery.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/queue/queue_fixture.hpp"

namespace patchq::queue {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using LeaseTest = QueueFixture;

constexpr auto kLease = 300ms;

TEST_F(LeaseTest, AnExpiredLeaseIsClaimedByAnotherConsumerAndCountsADelivery) {
  const std::string id = enqueue();
  const auto taken_at = Clock::now();
  const Job job = take("w1");
  auto other = peer();
  std::string cursor = "0-0";
  std::optional<Delivery> claimed;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        claimed = other->queue.claim_expired("w2", kLease, cursor);
        return claimed.has_value();
      },
      3s));
  // Redis counts idle time in whole milliseconds of its own clock: allow that rounding.
  EXPECT_GE(Clock::now() - taken_at, kLease - 2ms);
  EXPECT_EQ(claimed->job_id, id);
  EXPECT_EQ(claimed->entry_id, job.stream_entry_id);
  EXPECT_EQ(claimed->deliveries, 2);
  auto restarted = other->queue.start(*claimed, "w2");
  ASSERT_TRUE(restarted.has_value());
  EXPECT_EQ(hget(id, "worker"), "w2");
  EXPECT_FALSE(queue_.complete(job, "w1", 1, 60s));  // the old owner can no longer finish it
  EXPECT_TRUE(other->queue.complete(*restarted, "w2", 1, 60s));
}

TEST_F(LeaseTest, RenewingTheLeaseKeepsTheJobFromBeingClaimed) {
  enqueue();
  const Job job = take("w1");
  std::atomic<bool> renewing{true};
  std::thread keeper([&] {
    auto own = peer();
    while (renewing) {
      own->queue.renew_lease(job, "w1");
      std::this_thread::sleep_for(kLease / 3);  // the renewal period under test
    }
  });
  auto other = peer();
  std::string cursor = "0-0";
  const auto until = Clock::now() + 3 * kLease;
  bool stolen = false;
  while (Clock::now() < until && !stolen) {
    stolen = other->queue.claim_expired("w2", kLease, cursor).has_value();
    std::this_thread::sleep_for(20ms);
  }
  renewing = false;
  keeper.join();
  EXPECT_FALSE(stolen);
  // Once renewals stop, the lease runs out and the job moves.
  EXPECT_TRUE(testing::wait_until(
      [&] { return other->queue.claim_expired("w2", kLease, cursor).has_value(); }, 3s));
}

TEST_F(LeaseTest, ARenewalDoesNotCountAsADelivery) {
  enqueue();
  const Job job = take("w1");
  EXPECT_TRUE(queue_.renew_lease(job, "w1"));
  EXPECT_TRUE(queue_.renew_lease(job, "w1"));
  const auto p = server_.command({"XPENDING", "t:jobs", "workers", "-", "+", "1"});
  EXPECT_EQ(p.elements[0].elements[3].integer, 1);
}

TEST_F(LeaseTest, AReleasedLeaseIsClaimableAtOnce) {
  enqueue();
  const Job job = take("w1");
  EXPECT_TRUE(queue_.release_lease(job, "w1"));
  auto other = peer();
  std::string cursor = "0-0";
  EXPECT_TRUE(other->queue.claim_expired("w2", 60s, cursor).has_value());
}

TEST_F(LeaseTest, ClaimSkipsLeasesThatHaveNotExpired) {
  enqueue();
  take("w1");
  auto other = peer();
  std::string cursor = "0-0";
  EXPECT_FALSE(other->queue.claim_expired("w2", 60s, cursor).has_value());
  EXPECT_EQ(cursor, "0-0");
}

TEST_F(LeaseTest, ClaimsWalkPastManyLiveLeasesToAnExpiredOne) {
  // 60 live entries ahead of one released entry: the cursor carries the scan across calls.
  for (int i = 0; i < 61; ++i) enqueue();
  std::optional<Job> last;
  for (int i = 0; i < 61; ++i) last = take("w1");
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(queue_.release_lease(*last, "w1"));
  auto other = peer();
  std::string cursor = "0-0";
  std::optional<Delivery> claimed;
  for (int call = 0; call < 10 && !claimed; ++call) {
    claimed = other->queue.claim_expired("w2", 60s, cursor);
  }
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->job_id, last->id);
}

}  // namespace
}  // namespace patchq::queue
