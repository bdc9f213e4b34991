#include "common/net/retry_after.hpp"

#include <gtest/gtest.h>

namespace patchq::net {
namespace {

using namespace std::chrono_literals;

TEST(RetryAfter, ParsesDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", std::chrono::system_clock::now()), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", std::chrono::system_clock::now()), 0s);
}

TEST(RetryAfter, ParsesAnHttpDateRelativeToNow) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30s);
}

TEST(RetryAfter, DateInThePastMeansNoWait) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0ms);
}

TEST(RetryAfter, GarbageAndNegativeValuesAreIgnored) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("12abc", now));
}

}  // namespace
}  // namespace patchq::net
