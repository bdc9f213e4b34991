#include "common/v7/prepaying_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace patchq::v7 {
namespace {

// Counts the tokens taken from the budget.
class CountingLimiter : public RateLimiter {
 public:
  std::chrono::milliseconds acquire() override {
    ++taken;
    return std::chrono::milliseconds(0);
  }
  std::atomic<int> taken{0};
};

TEST(PrepayingLimiter, APrepaidTokenIsSpentByTheNextAcquireOnThatThread) {
  auto budget = std::make_shared<CountingLimiter>();
  PrepayingLimiter pacer(budget);
  pacer.prepay();
  EXPECT_EQ(budget->taken, 1);
  pacer.acquire();  // the call the token was taken for
  EXPECT_EQ(budget->taken, 1);
  pacer.acquire();  // an in-client retry takes a token of its own
  EXPECT_EQ(budget->taken, 2);
}

TEST(PrepayingLimiter, PrepayingTwiceHoldsOneToken) {
  auto budget = std::make_shared<CountingLimiter>();
  PrepayingLimiter pacer(budget);
  pacer.prepay();
  pacer.prepay();
  EXPECT_EQ(budget->taken, 1);
}

TEST(PrepayingLimiter, AnotherThreadDoesNotSpendThisThreadsToken) {
  auto budget = std::make_shared<CountingLimiter>();
  PrepayingLimiter pacer(budget);
  pacer.prepay();
  std::thread([&] { pacer.acquire(); }).join();
  EXPECT_EQ(budget->taken, 2);
  pacer.acquire();
  EXPECT_EQ(budget->taken, 2);
}

TEST(PrepayingLimiter, AForfeitedTokenIsNotSpentLater) {
  auto budget = std::make_shared<CountingLimiter>();
  PrepayingLimiter pacer(budget);
  pacer.prepay();
  pacer.forfeit();
  pacer.acquire();
  EXPECT_EQ(budget->taken, 2);
}

TEST(PrepayingLimiter, WithoutABudgetNothingWaits) {
  PrepayingLimiter pacer(nullptr);
  EXPECT_EQ(pacer.prepay().count(), 0);
  EXPECT_EQ(pacer.acquire().count(), 0);
}

}  // namespace
}  // namespace patchq::v7
