// LoginThrottle on a clock the test moves: the limit, the window, what a success clears, IPv6
// counted per /64, and the bound on the addresses it keeps.
#include "services/receiver/login_throttle.hpp"

#include <gtest/gtest.h>

namespace patchq::receiver {
namespace {

using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

LoginThrottle::Options small(std::size_t max_addresses = 100) {
  return {3, std::chrono::seconds(60), max_addresses};
}

TEST(LoginThrottle, RefusesAnAddressAfterTheLimitUntilItsWindowEnds) {
  LoginThrottle throttle(small());
  const auto t0 = Clock::time_point{} + 1000s;
  EXPECT_FALSE(throttle.record_failure("192.0.2.7", t0));
  EXPECT_FALSE(throttle.record_failure("192.0.2.7", t0 + 1s));
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0 + 1s), std::nullopt);
  EXPECT_TRUE(throttle.record_failure("192.0.2.7", t0 + 10s));  // the third blocks
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0 + 10s), 50s);  // the window since the first
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0 + 59500ms), 1s);
  EXPECT_EQ(throttle.refused_for("192.0.2.8", t0 + 10s), std::nullopt);  // others may try
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0 + 60s), std::nullopt);
  // After the window the count starts again.
  EXPECT_FALSE(throttle.record_failure("192.0.2.7", t0 + 61s));
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0 + 61s), std::nullopt);
}

TEST(LoginThrottle, ASuccessClearsTheAddress) {
  LoginThrottle throttle(small());
  const auto t0 = Clock::time_point{} + 1000s;
  throttle.record_failure("192.0.2.7", t0);
  throttle.record_failure("192.0.2.7", t0);
  throttle.record_success("192.0.2.7");
  EXPECT_EQ(throttle.tracked(), 0u);
  throttle.record_failure("192.0.2.7", t0);
  throttle.record_failure("192.0.2.7", t0);
  EXPECT_EQ(throttle.refused_for("192.0.2.7", t0), std::nullopt);
}

TEST(LoginThrottle, CountsIpv6AddressesOfOneSlash64Together) {
  LoginThrottle throttle(small());
  const auto t0 = Clock::time_point{} + 1000s;
  throttle.record_failure("2001:db8:1:2::1", t0);
  throttle.record_failure("2001:db8:1:2:aaaa::9", t0);
  throttle.record_failure("2001:db8:1:2:ffff:ffff:ffff:ffff", t0);
  EXPECT_NE(throttle.refused_for("2001:db8:1:2::77", t0), std::nullopt);
  EXPECT_EQ(throttle.refused_for("2001:db8:1:3::1", t0), std::nullopt);
  EXPECT_EQ(throttle.tracked(), 1u);
}

TEST(LoginThrottle, KeepsAtMostItsBoundOfAddressesDroppingTheOldestFirst) {
  LoginThrottle throttle(small(4));
  const auto t0 = Clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) throttle.record_failure("192.0.2.1", t0);  // blocked, oldest
  for (int i = 2; i <= 4; ++i) throttle.record_failure("192.0.2." + std::to_string(i), t0 + 1s);
  EXPECT_EQ(throttle.tracked(), 4u);
  for (int i = 5; i <= 40; ++i) {
    throttle.record_failure("192.0.2." + std::to_string(i), t0 + 2s);
    EXPECT_LE(throttle.tracked(), 4u);
  }
  EXPECT_EQ(throttle.refused_for("192.0.2.1", t0 + 2s), std::nullopt);  // made room
  // Expired entries go before live ones.
  LoginThrottle bounded(small(2));
  for (int i = 0; i < 3; ++i) bounded.record_failure("198.51.100.1", t0 + 100s);  // blocked
  bounded.record_failure("198.51.100.2", t0);                                     // expires first
  bounded.record_failure("198.51.100.3", t0 + 61s);
  EXPECT_NE(bounded.refused_for("198.51.100.1", t0 + 61s), std::nullopt);
  EXPECT_EQ(bounded.tracked(), 2u);
}

}  // namespace
}  // namespace patchq::receiver
