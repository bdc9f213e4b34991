#include "common/v7/registration_pacer.hpp"

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

TEST(RegistrationPacer, APrepaidTokenIsSpentByTheNextAcquireOnThatThread) {
  auto budget = std::make_shared<CountingLimiter>();
  RegistrationPacer pacer(budget);
  pacer.prepay();
  EXPECT_EQ(budget->taken, 1);
  pacer.acquire();  // the call the token was taken for
  EXPECT_EQ(budget->taken, 1);
  pacer.acquire();  // an in-client retry takes a token of its own
  EXPECT_EQ(budget->taken, 2);
}

TEST(RegistrationPacer, PrepayingTwiceHoldsOneToken) {
  auto budget = std::make_shared<CountingLimiter>();
  RegistrationPacer pacer(budget);
  pacer.prepay();
  pacer.prepay();
  EXPECT_EQ(budget->taken, 1);
}

TEST(RegistrationPacer, AnotherThreadDoesNotSpendThisThreadsToken) {
  auto budget = std::make_shared<CountingLimiter>();
  RegistrationPacer pacer(budget);
  pacer.prepay();
  std::thread([&] { pacer.acquire(); }).join();
  EXPECT_EQ(budget->taken, 2);
  pacer.acquire();
  EXPECT_EQ(budget->taken, 2);
}

TEST(RegistrationPacer, AForfeitedTokenIsNotSpentLater) {
  auto budget = std::make_shared<CountingLimiter>();
  RegistrationPacer pacer(budget);
  pacer.prepay();
  pacer.forfeit();
  pacer.acquire();
  EXPECT_EQ(budget->taken, 2);
}

TEST(RegistrationPacer, WithoutABudgetNothingWaits) {
  RegistrationPacer pacer(nullptr);
  EXPECT_EQ(pacer.prepay().count(), 0);
  EXPECT_EQ(pacer.acquire().count(), 0);
}

}  // namespace
}  // namespace patchq::v7
