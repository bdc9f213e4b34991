// DecodedBudget: reserve and release, a request larger than the budget runs alone, first come
// first served, a stop or the longest wait ends a wait, and many threads neither deadlock nor
// ever hold more than the budget.
#include "common/patch/decoded_budget.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include "common/obs/metrics.hpp"
#include "tests/support/wait.hpp"

namespace patchq::patch {
namespace {

using namespace std::chrono_literals;

DecodedBudget::Options capacity(std::uint64_t bytes) {
  DecodedBudget::Options options;
  options.capacity = bytes;
  options.poll = 5ms;
  options.max_wait = 10s;  // a failed expectation ends the test instead of hanging it
  return options;
}

const DecodedBudget::StopProbe kNever = [] { return false; };

DecodedReservation take(DecodedBudget& budget, std::uint64_t bytes) {
  auto granted = budget.reserve(bytes, kNever);
  if (!granted) throw std::runtime_error(granted.error().reason);
  return std::move(granted).value();
}

bool waiting(const DecodedBudget& budget, std::uint64_t n) {
  return testing::wait_until([&] { return budget.stats().waiting == n; }, 5s, 1ms);
}

TEST(DecodedBudget, ReservesWhatFitsAtOnceAndGivesItBackWhenDestroyed) {
  DecodedBudget budget(capacity(100));
  {
    const DecodedReservation a = take(budget, 40);
    const DecodedReservation b = take(budget, 60);  // exactly full: the limit is inclusive
    EXPECT_EQ(a.bytes(), 40u);
    EXPECT_EQ(b.waited(), 0ns);
    EXPECT_EQ(budget.stats().reserved, 100u);
  }
  const auto stats = budget.stats();
  EXPECT_EQ(stats.reserved, 0u);
  EXPECT_EQ(stats.peak, 100u);
  EXPECT_EQ(stats.waits, 0u);
}

TEST(DecodedBudget, ReleaseIsIdempotentAndMovesCarryTheBytes) {
  DecodedBudget budget(capacity(100));
  DecodedReservation a = take(budget, 30);
  DecodedReservation moved = std::move(a);
  EXPECT_EQ(moved.bytes(), 30u);
  EXPECT_EQ(budget.stats().reserved, 30u);
  DecodedReservation other = take(budget, 20);
  moved = std::move(other);  // gives the 30 back, holds the 20
  EXPECT_EQ(budget.stats().reserved, 20u);
  moved.release();
  moved.release();
  EXPECT_EQ(budget.stats().reserved, 0u);
}

TEST(DecodedBudget, ZeroBytesHoldNothing) {
  DecodedBudget budget(capacity(10));
  const DecodedReservation full = take(budget, 10);
  const DecodedReservation none = take(budget, 0);  // would deadlock if it queued
  EXPECT_EQ(none.bytes(), 0u);
  EXPECT_EQ(budget.stats().reserved, 10u);
}

TEST(DecodedBudget, AReservationThatDoesNotFitWaitsUntilBytesAreGivenBack) {
  DecodedBudget budget(capacity(100));
  DecodedReservation held = take(budget, 80);
  auto waiter = std::async(std::launch::async, [&] { return take(budget, 40); });
  ASSERT_TRUE(waiting(budget, 1));
  EXPECT_EQ(waiter.wait_for(0s), std::future_status::timeout);
  held.release();
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  const DecodedReservation granted = waiter.get();
  EXPECT_EQ(granted.bytes(), 40u);
  EXPECT_GT(granted.waited(), 0ns);
  const auto stats = budget.stats();
  EXPECT_EQ(stats.waits, 1u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(stats.peak, 80u);
}

TEST(DecodedBudget, ARequestLargerThanTheBudgetRunsAloneWithAllOfIt) {
  DecodedBudget budget(capacity(100));
  {
    DecodedReservation alone = take(budget, 250);  // nothing held: at once
    EXPECT_EQ(alone.bytes(), 100u);
    auto small = std::async(std::launch::async, [&] { return take(budget, 1); });
    ASSERT_TRUE(waiting(budget, 1));  // even one byte waits while it runs
    alone.release();
    ASSERT_EQ(small.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(small.get().bytes(), 1u);
  }
  DecodedReservation small_holder = take(budget, 10);
  auto big = std::async(std::launch::async, [&] { return take(budget, 250); });
  ASSERT_TRUE(waiting(budget, 1));  // waits for the whole budget to be free
  small_holder.release();
  ASSERT_EQ(big.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(big.get().bytes(), 100u);
  EXPECT_EQ(budget.stats().peak, 100u);
}

TEST(DecodedBudget, WaitersAreServedFirstComeFirstServed) {
  DecodedBudget budget(capacity(100));
  DecodedReservation held = take(budget, 60);
  // The large one (does not fit beside the 60) queues first; the small one would fit beside
  // the 60 at once, but must not overtake it, and does not fit beside the large one either.
  auto large = std::async(std::launch::async, [&] { return take(budget, 80); });
  ASSERT_TRUE(waiting(budget, 1));
  auto small = std::async(std::launch::async, [&] { return take(budget, 30); });
  ASSERT_TRUE(waiting(budget, 2));
  EXPECT_EQ(budget.stats().reserved, 60u);  // the small one did not go past the queue
  held.release();
  ASSERT_EQ(large.wait_for(5s), std::future_status::ready);
  DecodedReservation large_held = large.get();
  ASSERT_TRUE(waiting(budget, 1));  // the small one waits for the large one now
  EXPECT_EQ(budget.stats().reserved, 80u);
  large_held.release();
  ASSERT_EQ(small.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(budget.stats().reserved, 30u);
  EXPECT_EQ(budget.stats().peak, 80u);
}

TEST(DecodedBudget, AStopEndsTheWaitAndTheQueueMovesOn) {
  DecodedBudget budget(capacity(100));
  DecodedReservation held = take(budget, 100);
  std::atomic<bool> stop{false};
  auto stopped = std::async(std::launch::async, [&] {
    return budget.reserve(
        50, [&] { return stop.load(); }, "item-1");
  });
  ASSERT_TRUE(waiting(budget, 1));
  stop = true;
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  const auto refused = stopped.get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, BudgetRefusal::Kind::stopped);
  EXPECT_NE(refused.error().reason.find("stopped after waiting"), std::string::npos)
      << refused.error().reason;
  EXPECT_NE(refused.error().reason.find("100 of 100 held by other jobs"), std::string::npos)
      << refused.error().reason;
  EXPECT_EQ(budget.stats().waiting, 0u);
  EXPECT_EQ(budget.stats().reserved, 100u);  // took nothing
  held.release();
  EXPECT_EQ(take(budget, 100).waited(), 0ns);  // the stopped waiter left no ticket behind
}

TEST(DecodedBudget, AWaitEndsAfterTheLongestWait) {
  DecodedBudget::Options options = capacity(100);
  options.max_wait = 30ms;
  DecodedBudget budget(options);
  const DecodedReservation held = take(budget, 100);
  const auto refused = budget.reserve(1, kNever);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, BudgetRefusal::Kind::timed_out);
  EXPECT_GE(refused.error().waited, 30ms);
  EXPECT_EQ(budget.stats().timeouts, 1u);
  EXPECT_EQ(budget.stats().waiting, 0u);
}

TEST(DecodedBudget, ManyThreadsNeverHoldMoreThanTheBudgetAndAllFinish) {
  constexpr std::uint64_t kCapacity = 1000;
  DecodedBudget budget(capacity(kCapacity));
  std::atomic<std::uint64_t> held{0};
  std::atomic<std::uint64_t> most{0};
  std::atomic<int> granted{0};
  std::atomic<bool> over{false};
  const auto worker = [&](int seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint64_t> size(1, 1500);  // some over the budget
    for (int i = 0; i < 200; ++i) {
      const DecodedReservation r = take(budget, size(rng));
      const std::uint64_t now = held.fetch_add(r.bytes()) + r.bytes();
      if (now > kCapacity) over = true;
      std::uint64_t seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();
      held.fetch_sub(r.bytes());
      granted.fetch_add(1);
    }
  };
  auto all = std::async(std::launch::async, [&] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) threads.emplace_back(worker, t);
    for (auto& t : threads) t.join();
  });
  ASSERT_EQ(all.wait_for(30s), std::future_status::ready) << "deadlock: " << granted << " granted";
  EXPECT_EQ(granted.load(), 8 * 200);
  EXPECT_FALSE(over.load());
  EXPECT_LE(budget.stats().peak, kCapacity);
  EXPECT_EQ(budget.stats().reserved, 0u);
  EXPECT_EQ(budget.stats().waiting, 0u);
  EXPECT_GT(budget.stats().waits, 0u);
}

TEST(DecodedBudget, PublishesItsSeries) {
  obs::Registry registry;
  DecodedBudget::Options options = capacity(100);
  options.metrics = &registry;
  DecodedBudget budget(options);
  DecodedReservation held = take(budget, 70);
  auto waiter = std::async(std::launch::async, [&] { return take(budget, 50); });
  ASSERT_TRUE(waiting(budget, 1));
  std::string text = registry.render();
  EXPECT_NE(text.find("patchq_decoded_bytes_budget 100"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_reserved 70"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_waiting 1"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_waits_total 1"), std::string::npos) << text;
  held.release();
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  waiter.get();
  text = registry.render();
  EXPECT_NE(text.find("patchq_decoded_bytes_reserved 0"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_reserved_peak 70"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_waiting 0"), std::string::npos) << text;
  EXPECT_NE(text.find("patchq_decoded_bytes_wait_seconds_count 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace patchq::patch
