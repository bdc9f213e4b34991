#include "common/v7/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
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

// Fair share: one-second slots, so the few milliseconds a test takes stay within a slot or
// two; reservations are made without sleeping (reserve), standing for threads that wait.
FleetRateLimiter::Options share_options(const RedisServer& redis,
                                        std::chrono::milliseconds window) {
  auto o = options_for(redis, 60, 1);
  o.share_window = window;
  return o;
}

std::chrono::milliseconds reserved(FleetRateLimiter& limiter, const std::string& share) {
  auto wait = limiter.reserve(share);
  if (!wait) throw std::runtime_error("Redis not reached");
  return *wait;
}

TEST(FleetRateLimiter, ASmallJobIsServedWithinABoundWhileABigJobHoldsTheBudget) {
  RedisServer redis;
  FleetRateLimiter big(share_options(redis, 10s)), small(share_options(redis, 10s));
  // The big job alone: eight threads hold the next eight slots.
  for (int i = 0; i < 8; ++i) reserved(big, "big");
  // The small job's first call waits for those slots only, then the jobs alternate.
  const auto first = reserved(small, "small");
  EXPECT_LE(first, 9s);
  std::chrono::milliseconds big_last{0};
  for (int i = 0; i < 8; ++i) big_last = reserved(big, "big");
  const auto second = reserved(small, "small");
  // First come, first served would put it after the big job's eight new reservations (~17 s).
  EXPECT_LE(second - first, 3s);
  EXPECT_GE(big_last, 20s);  // the big job's new slots are every other one: 9, 11, ... 23
}

TEST(FleetRateLimiter, FirstComeFirstServedWithoutAShareWindow) {
  RedisServer redis;
  FleetRateLimiter big(share_options(redis, 0ms)), small(share_options(redis, 0ms));
  for (int i = 0; i < 8; ++i) reserved(big, "big");
  const auto first = reserved(small, "small");
  for (int i = 0; i < 8; ++i) reserved(big, "big");
  EXPECT_GE(reserved(small, "small") - first, 8s);
}

TEST(FleetRateLimiter, ThreadsOfOneJobShareOneShare) {
  RedisServer redis;
  FleetRateLimiter a(share_options(redis, 10s)), b(share_options(redis, 10s));
  reserved(b, "other");
  // Two limiters (processes, threads) of one job: their slots alternate with the other job's.
  const auto one = reserved(a, "job");
  const auto two = reserved(b, "job");
  EXPECT_GE(two - one, 1500ms);
}

TEST(FleetRateLimiter, AJobThatStopsAskingReleasesItsShare) {
  RedisServer redis;
  constexpr auto kWindow = 300ms;
  FleetRateLimiter limiter(share_options(redis, kWindow));
  const std::string key = FleetRateLimiter::bucket_key("patchq:", "k");
  reserved(limiter, "dead");
  reserved(limiter, "live");
  // While "dead" counts, "live" gets every other slot.
  const auto a = reserved(limiter, "live");
  const auto b = reserved(limiter, "live");
  EXPECT_GE(b - a, 1900ms);
  // "dead" asks no more: once its window has passed it no longer counts.
  const double dead_at = std::stod(redis.command({"ZSCORE", key + ":shares", "dead"}).str);
  ASSERT_TRUE(testing::wait_until([&] {
    const auto t = redis.command({"TIME"});
    const double now = std::stod(t.elements[0].str) * 1000 + std::stod(t.elements[1].str) / 1000;
    return now - dead_at > static_cast<double>(kWindow.count()) + 10;
  }));
  const auto c = reserved(limiter, "live");
  const auto d = reserved(limiter, "live");
  EXPECT_GE(d - c, 900ms);
  EXPECT_LE(d - c, 1100ms);
  EXPECT_EQ(redis.command({"ZSCORE", key + ":shares", "dead"}).kind, redis::RedisValue::Kind::nil);
  // And its state expires on its own.
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return redis.command({"EXISTS", key + ":share:dead"}).integer == 0;
      },
      10s));
}

TEST(FleetRateLimiter, TheSharedStateExpires) {
  RedisServer redis;
  FleetRateLimiter limiter(share_options(redis, 200ms));
  const std::string key = FleetRateLimiter::bucket_key("patchq:", "k");
  reserved(limiter, "job");
  for (const auto& k : {key, key + ":slots", key + ":shares", key + ":share:job"}) {
    const auto ttl = redis.command({"PTTL", k});
    EXPECT_GT(ttl.integer, 0) << k;
    EXPECT_LE(ttl.integer, 5000) << k;
  }
}

TEST(ShareScope, NamesTheJobByAHashAndNests) {
  EXPECT_EQ(ShareScope::current(), "");
  {
    const ShareScope outer("job-1");
    const std::string name = ShareScope::current();
    EXPECT_EQ(name.size(), 16u);
    EXPECT_EQ(name.find("job-1"), std::string::npos);
    {
      const ShareScope inner("job-2");
      EXPECT_NE(ShareScope::current(), name);
    }
    EXPECT_EQ(ShareScope::current(), name);
    std::string seen;
    std::thread([&, name] {
      EXPECT_EQ(ShareScope::current(), "");  // thread-local: another thread has no scope
      const ShareHandOver handed(name);
      seen = ShareScope::current();
    }).join();
    EXPECT_EQ(seen, name);
  }
  EXPECT_EQ(ShareScope::current(), "");
}

}  // namespace
}  // namespace patchq::v7
