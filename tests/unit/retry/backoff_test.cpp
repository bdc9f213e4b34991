#include "common/retry/backoff.hpp"

#include <gtest/gtest.h>

namespace patchq::retry {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesFromBaseUntilCap) {
  const BackoffPolicy p{2000ms, 600000ms};
  EXPECT_EQ(backoff_ceiling(p, 0), 2000ms);
  EXPECT_EQ(backoff_ceiling(p, 1), 4000ms);
  EXPECT_EQ(backoff_ceiling(p, 5), 64000ms);
  EXPECT_EQ(backoff_ceiling(p, 9), 600000ms);
  EXPECT_EQ(backoff_ceiling(p, 1000), 600000ms);  // no overflow on absurd attempts
}

TEST(Backoff, DelayStaysWithinZeroAndTheCeilingAndIsSpread) {
  const BackoffPolicy p{1000ms, 60000ms};
  std::mt19937_64 rng(7);
  std::chrono::milliseconds lo = 1h, hi = 0ms;
  for (int i = 0; i < 2000; ++i) {
    const auto d = backoff_delay(p, 3, std::nullopt, rng);
    ASSERT_GE(d, 0ms);
    ASSERT_LE(d, 8000ms);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  // Full jitter: the draws cover most of [0, 8 s], not one fixed value.
  EXPECT_LT(lo, 1000ms);
  EXPECT_GT(hi, 7000ms);
}

TEST(Backoff, RetryAfterRaisesTheDelayButNeverLowersIt) {
  const BackoffPolicy p{1000ms, 60000ms};
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    EXPECT_GE(backoff_delay(p, 0, 30000ms, rng), 30000ms);
    EXPECT_LE(backoff_delay(p, 0, 30000ms, rng), 30000ms);  // ceiling 1 s < Retry-After
  }
}

}  // namespace
}  // namespace patchq::retry
