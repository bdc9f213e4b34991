// The fleet rate limiter with real clients: several V7 clients (as separate worker processes
// would be: their own limiter object and Redis connection) calling the stand-in at once stay
// within burst + rate x time, counted by the simulator.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/v7/v7_api.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/v7client/v7_sim.hpp"
#include "tests/support/redis_server.hpp"

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;

TEST(V7RateLimit, ConcurrentClientsStayUnderTheFleetRate) {
  testing::V7Sim sim;
  testing::RedisServer redis;
  constexpr std::int64_t kRate = 1200;  // 20 per second
  constexpr std::int64_t kBurst = 10;
  constexpr auto kWindow = 1500ms;
  auto config = sim.client_config();
  std::atomic<int> sent{0};
  std::vector<std::thread> clients;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      FleetRateLimiter limiter({.endpoint = redis.endpoint(),
                                .api_key = config.api_key,
                                .rate_per_minute = kRate,
                                .burst = kBurst});
      V7Api api(config, &limiter);
      net::HttpClient http(api.http_options());
      while (std::chrono::steady_clock::now() - start < kWindow) {
        if (api.token_team(http)) ++sent;
      }
    });
  }
  for (auto& c : clients) c.join();
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  const long seen = sim.count("token_info");
  // Requests granted before the window ended went out; the last ones may have waited past it.
  const double bound = kBurst + kRate / 60.0 * elapsed.count() + 1;
  std::cout << "[measure] 4 clients, " << kRate << "/min burst " << kBurst << ": " << seen
            << " requests in " << elapsed.count() << " s (bound " << bound << ")\n";
  EXPECT_EQ(seen, sent.load());
  EXPECT_LE(seen, bound);
  EXPECT_GE(seen, 15);  // the limiter lets the budget through, it does not starve clients
}

TEST(V7RateLimit, StorageUploadsDoNotSpendTheApiBudget) {
  testing::V7Sim sim;
  auto config = sim.client_config();
  config.create_target = true;
  config.upload_mode = "register";  // the mode whose tiles go to storage by presigned PUT
  struct Counting : RateLimiter {
    std::atomic<int> n{0};
    std::chrono::milliseconds acquire() override {
      ++n;
      return 0ms;
    }
  };
  auto limiter = std::make_shared<Counting>();
  V7Client client(config, limiter);
  ASSERT_TRUE(client.ensure_target("patchq-sim", "tiles"));
  const int before = limiter->n.load();
  std::vector<Tile> tiles;
  for (int i = 0; i < 5; ++i)
    tiles.push_back({"t" + std::to_string(i) + ".png", tile_bytes("bytes")});
  ASSERT_EQ(testing::upload_all(client, "patchq-sim", "tiles", std::move(tiles)).uploaded, 5u);
  // register (1 or 2 calls) + 5 sign + 5 confirm; the 5 PUTs go to storage, not counted.
  const long api_calls = sim.count("register_upload") + sim.count("sign") + sim.count("confirm");
  EXPECT_EQ(limiter->n.load() - before, api_calls);
  EXPECT_EQ(sim.count("storage_put"), 5);
}

TEST(V7RateLimit, UploadPoolCallsCountToTheShareOfTheJobThatStartedTheUpload) {
  testing::V7Sim sim;
  auto config = sim.client_config();
  config.create_target = true;
  config.upload_mode = "register";  // calls on the pool's threads (sign, confirm)
  struct Recording : RateLimiter {
    std::mutex mutex;
    std::vector<std::string> shares;
    std::chrono::milliseconds acquire() override {
      std::lock_guard lock(mutex);
      shares.push_back(ShareScope::current());
      return 0ms;
    }
  };
  auto limiter = std::make_shared<Recording>();
  V7Client client(config, limiter);
  ASSERT_TRUE(client.ensure_target("patchq-sim", "tiles"));
  std::string job_share;
  {
    const ShareScope scope("job-7");
    job_share = ShareScope::current();
    limiter->shares.clear();
    std::vector<Tile> tiles;
    for (int i = 0; i < 5; ++i)
      tiles.push_back({"t" + std::to_string(i) + ".png", tile_bytes("bytes")});
    ASSERT_EQ(testing::upload_all(client, "patchq-sim", "tiles", std::move(tiles)).uploaded, 5u);
  }
  ASSERT_GE(limiter->shares.size(), 11u);  // register + 5 sign + 5 confirm
  for (const auto& share : limiter->shares) EXPECT_EQ(share, job_share);
}

}  // namespace
}  // namespace patchq::v7
