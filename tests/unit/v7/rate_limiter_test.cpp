#include "common/v7/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

TEST(LocalRateLimiter, GrantsTheBurstAtOnceThenOneTokenPerInterval) {
  LocalRateLimiter limiter(60, 3);  // one a second
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(limiter.reserve(t0), 0ms);
  EXPECT_EQ(limiter.reserve(t0), 0ms);
  EXPECT_EQ(limiter.reserve(t0), 0ms);
  EXPECT_EQ(limiter.reserve(t0), 1000ms);
  EXPECT_EQ(limiter.reserve(t0), 2000ms);
}

TEST(LocalRateLimiter, RefillsNoFurtherThanTheBurst) {
  LocalRateLimiter limiter(60, 2);
  const auto t0 = std::chrono::steady_clock::now();
  limiter.reserve(t0);
  limiter.reserve(t0);
  const auto later = t0 + 1h;
  EXPECT_EQ(limiter.reserve(later), 0ms);
  EXPECT_EQ(limiter.reserve(later), 0ms);
  EXPECT_EQ(limiter.reserve(later), 1000ms);
}

TEST(FleetRateLimiter, BucketKeyHashesTheApiKey) {
  const auto key = FleetRateLimiter::bucket_key("patchq:", "my-secret-key");
  EXPECT_EQ(key.rfind("patchq:v7rate:", 0), 0u);
  EXPECT_EQ(key.size(), std::string("patchq:v7rate:").size() + 16);
  EXPECT_EQ(key.find("my-secret-key"), std::string::npos);
  EXPECT_NE(key, FleetRateLimiter::bucket_key("patchq:", "other-key"));
}

FleetRateLimiter::Options options_for(const RedisServer& redis, std::int64_t rate,
                                      std::int64_t burst) {
  FleetRateLimiter::Options o;
  o.endpoint = redis.endpoint();
  o.api_key = "k";
  o.rate_per_minute = rate;
  o.burst = burst;
  o.redis_retry_interval = 100ms;
  return o;
}

TEST(FleetRateLimiter, ProcessesShareOneBucket) {
  RedisServer redis;
  FleetRateLimiter a(options_for(redis, 60, 2)), b(options_for(redis, 60, 2));
  EXPECT_EQ(a.acquire(), 0ms);
  EXPECT_EQ(b.acquire(), 0ms);
  // The third token is a second away for whichever process asks: test the reservation
  // through Redis directly rather than sleeping a second.
  auto wait = redis.command({"HGET", FleetRateLimiter::bucket_key("patchq:", "k"), "tokens"});
  EXPECT_LT(std::stod(wait.str), 0.1);
  EXPECT_FALSE(a.using_fallback());
}

TEST(FleetRateLimiter, BucketKeyExpiresWhenIdle) {
  RedisServer redis;
  FleetRateLimiter limiter(options_for(redis, 600, 5));
  limiter.acquire();
  const auto ttl = redis.command({"PTTL", FleetRateLimiter::bucket_key("patchq:", "k")});
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 2000);
}

TEST(FleetRateLimiter, ConcurrentClientsStayUnderTheRate) {
  RedisServer redis;
  constexpr std::int64_t kRate = 600;  // 10 per second
  constexpr std::int64_t kBurst = 5;
  constexpr auto kWindow = 1500ms;
  std::vector<std::unique_ptr<FleetRateLimiter>> limiters;
  for (int i = 0; i < 4; ++i) {
    limiters.push_back(std::make_unique<FleetRateLimiter>(options_for(redis, kRate, kBurst)));
  }
  std::atomic<int> granted_in_window{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto& limiter = *limiters[static_cast<std::size_t>(i % 4)];
      while (std::chrono::steady_clock::now() - start < kWindow) {
        limiter.acquire();
        if (std::chrono::steady_clock::now() - start <= kWindow) ++granted_in_window;
      }
    });
  }
  for (auto& t : threads) t.join();
  // At most burst + rate * window (5 + 15), one token of slack for clock granularity.
  EXPECT_LE(granted_in_window.load(), 21);
  EXPECT_GE(granted_in_window.load(), 10);
  for (auto& l : limiters) EXPECT_FALSE(l->using_fallback());
}

TEST(FleetRateLimiter, FailsOpenToALocalBucketWhileRedisIsDownAndReturns) {
  RedisServer redis;
  FleetRateLimiter limiter(options_for(redis, 6000, 5));
  limiter.acquire();
  redis.kill();
  EXPECT_EQ(limiter.acquire(), 0ms);  // no exception, no long stall
  EXPECT_TRUE(limiter.using_fallback());
  redis.start();
  EXPECT_TRUE(testing::wait_until([&] {
    limiter.acquire();
    return !limiter.using_fallback();
  }));
}

}  // namespace
}  // namespace patchq::v7
