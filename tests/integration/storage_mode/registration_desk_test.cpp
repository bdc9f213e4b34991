// The registration desk against real parts: redis-server, the V7 stand-in and s3rver. Each
// "worker" below is what a worker process has (its own desk, pacer, V7 client and Redis
// connections); several of them run jobs at once, as processes of a fleet do. Checked: the
// jobs' tiles are registered in fewer calls than jobs (counted at the stand-in), each job's
// report is exact, a caller that overran its lease mid-call has its items reclaimed and
// registered once, nothing is duplicated, and without Redis each job makes its own call.
#include "common/v7/registration_desk.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/redis/redis_url.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/storage/store_test_support.hpp"
#include "tests/integration/v7client/v7_sim.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/storage_emulators.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kTeam = "patchq-sim";
constexpr const char* kBucket = "desk-bucket";
constexpr const char* kDataset = "patches";

std::vector<v7::Tile> tiles_of(int n, const std::string& stem) {
  std::vector<v7::Tile> tiles;
  for (int i = 0; i < n; ++i) {
    tiles.push_back({stem + "_r0c" + std::to_string(i) + ".png",
                     v7::tile_bytes(noise_png(16, 8, static_cast<unsigned>(i + 3)))});
  }
  return tiles;
}

std::string reason_of(const v7::UploadReport& report) {
  return report.job_error() ? report.job_error()->reason : "";
}

// One worker process's parts: a desk on `redis_url` sharing `budget` (the fleet's bucket),
// which read-write registrations spend like any API call.
struct Worker {
  Worker(const V7Sim& sim, const storage::ObjectStore& store, const std::string& redis_url,
         std::shared_ptr<v7::RateLimiter> budget, v7::RegistrationDesk::Options options = {}) {
    pacer = std::make_shared<v7::PrepayingLimiter>(std::move(budget));
    options.endpoint = redis::parse_redis_url(redis_url).value();
    options.api_key = kSimApiKey;
    desk = std::make_shared<v7::RegistrationDesk>(std::move(options), nullptr, pacer);
    auto config = sim.client_config();
    config.create_target = true;
    v7::StorageSink sink{&store, "customer-s3", false, 100, desk.get()};
    client = std::make_unique<v7::V7Client>(config, pacer, sink);
  }
  v7::UploadReport upload(std::vector<v7::Tile> tiles) {
    return upload_all(*client, kTeam, kDataset, std::move(tiles));
  }
  std::shared_ptr<v7::PrepayingLimiter> pacer;
  std::shared_ptr<v7::RegistrationDesk> desk;
  std::unique_ptr<v7::V7Client> client;
};

class RegistrationDeskTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3_ = new S3rverServer(kBucket); }
  static void TearDownTestSuite() {
    delete s3_;
    s3_ = nullptr;
  }
  void SetUp() override {
    config_.url = std::string("s3://") + kBucket + "/" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name();
    config_.endpoint = s3_->endpoint();
    config_.slug = "customer-s3";
    config_.aws_access_key_id = S3rverServer::kAccessKeyId;
    config_.aws_secret_access_key = S3rverServer::kSecretAccessKey;
    store_ = open_store(config_);
    sim_ = std::make_unique<V7Sim>(
        std::vector<std::string>{"--storage-url=" + config_.url, "--storage-slug=" + config_.slug,
                                 "--storage-endpoint=" + config_.endpoint,
                                 "--storage-access-key-id=" + config_.aws_access_key_id,
                                 "--storage-secret-access-key=" + config_.aws_secret_access_key});
    auto v7 = sim_->client_config();
    v7.create_target = true;
    v7::V7Client setup(v7, nullptr);
    ASSERT_TRUE(setup.ensure_target(kTeam, kDataset));
  }

  void expect_unique_items(std::size_t expected) {
    const auto names = sim_->item_names(kDataset);
    EXPECT_EQ(names.size(), expected);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), expected);
  }

  static S3rverServer* s3_;
  storage::StorageConfig config_;
  std::unique_ptr<storage::ObjectStore> store_;
  std::unique_ptr<V7Sim> sim_;
  RedisServer redis_;
};
S3rverServer* RegistrationDeskTest::s3_ = nullptr;

TEST_F(RegistrationDeskTest, ConcurrentJobsShareRegistrationCalls) {
  // A fleet bucket in Redis like in production: one call a second after the first, so the
  // jobs that finish meanwhile gather on the desk.
  v7::FleetRateLimiter::Options limits;
  limits.endpoint = redis::parse_redis_url(redis_.url()).value();
  limits.api_key = kSimApiKey;
  limits.rate_per_minute = 60;
  limits.burst = 1;
  auto budget = std::make_shared<v7::FleetRateLimiter>(limits);

  constexpr int kJobs = 6;
  constexpr int kTiles = 20;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < kJobs; ++i) {
    workers.push_back(std::make_unique<Worker>(*sim_, *store_, redis_.url(), budget));
  }
  std::vector<v7::UploadReport> reports(kJobs);
  std::vector<std::thread> jobs;
  for (int i = 0; i < kJobs; ++i) {
    jobs.emplace_back(
        [&, i] { reports[i] = workers[i]->upload(tiles_of(kTiles, "job" + std::to_string(i))); });
  }
  for (auto& job : jobs) job.join();

  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(reports[i].uploaded, static_cast<std::size_t>(kTiles)) << reason_of(reports[i]);
    EXPECT_EQ(reports[i].already_existed + reports[i].failed, 0u);
    ASSERT_EQ(reports[i].tiles.size(), static_cast<std::size_t>(kTiles));
    for (const auto& tile : reports[i].tiles) {
      EXPECT_EQ(tile.outcome, v7::TileOutcome::uploaded) << tile.name;
      EXPECT_EQ(tile.name.rfind("job" + std::to_string(i) + "_", 0), 0u) << tile.name;
    }
  }
  const long calls = sim_->count("register_existing");
  std::uint64_t desk_calls = 0;
  std::uint64_t items_sent = 0;
  for (const auto& worker : workers) {
    desk_calls += worker->desk->counters().calls;
    items_sent += worker->desk->counters().items_sent;
    EXPECT_EQ(worker->desk->counters().fallbacks, 0u);
  }
  std::cout << "[measure] " << kJobs << " jobs x " << kTiles << " tiles: " << calls
            << " register_existing calls\n";
  EXPECT_LT(calls, kJobs);
  EXPECT_GE(calls, 2);  // 120 items need two calls of at most 100
  EXPECT_EQ(static_cast<long>(desk_calls), calls);
  EXPECT_EQ(items_sent, static_cast<std::uint64_t>(kJobs * kTiles));  // each item sent once
  expect_unique_items(kJobs * kTiles);
  // The desk leaves nothing behind but expiring answers of jobs that are gone.
  EXPECT_EQ(redis_.command({"KEYS", "patchq:regdesk:*:queue"}).elements.size(), 0u);
  EXPECT_EQ(redis_.command({"KEYS", "patchq:regdesk:*:inflight:*"}).elements.size(), 0u);
  EXPECT_EQ(redis_.command({"KEYS", "patchq:regdesk:result:*"}).elements.size(), 0u);
}

// A caller that stops answering mid-call (here: its call hangs past its lease; a killed
// process looks the same to the desk) leaves its in-flight list behind. The next job takes
// the lock when the lease ends, reclaims those items and registers them with its own; of the
// two calls, the one that lands second finds the names taken (ALREADY_EXISTS) and nothing is
// doubled. Both calls are slow: lifting the latency once the stuck caller has taken its items
// could reach the stand-in before the stuck call itself does (seen under load).
TEST_F(RegistrationDeskTest, AStuckCallersItemsAreReclaimedAndRegisteredOnce) {
  v7::RegistrationDesk::Options short_lease;
  short_lease.caller_lease = std::chrono::milliseconds(300);
  Worker stuck(*sim_, *store_, redis_.url(), nullptr, short_lease);
  Worker next(*sim_, *store_, redis_.url(), nullptr);

  sim_->set_fault(R"({"endpoint": "register_existing", "latency_ms": 4000})");
  v7::UploadReport stuck_report;
  std::thread stuck_job([&] { stuck_report = stuck.upload(tiles_of(10, "stuck")); });
  ASSERT_TRUE(wait_until([&] {
    return !redis_.command({"KEYS", "patchq:regdesk:*:inflight:*"}).elements.empty();
  }));
  // As after a crash, the next job comes once the stuck caller is past its deadline (by Redis'
  // clock): its lock may expire a moment before the deadline its items carry.
  ASSERT_TRUE(wait_until([&] {
    const auto now = redis_.command({"TIME"});
    const auto callers = redis_.command({"KEYS", "patchq:regdesk:*:callers"});
    if (now.elements.size() < 2 || callers.elements.empty()) return false;
    const long long now_ms =
        std::stoll(now.elements[0].str) * 1000 + std::stoll(now.elements[1].str) / 1000;
    return !redis_
                .command({"ZRANGEBYSCORE", callers.elements[0].str, "-inf", std::to_string(now_ms)})
                .elements.empty();
  }));

  const auto next_report = next.upload(tiles_of(10, "next"));
  EXPECT_EQ(next_report.uploaded, 10u) << reason_of(next_report);
  EXPECT_EQ(next.desk->counters().reclaimed, 10u);
  EXPECT_EQ(next.desk->counters().items_sent, 20u);  // the stuck job's items and its own
  expect_unique_items(20);

  stuck_job.join();
  // The first answer wins: the stuck job's items count as uploaded whichever call registered
  // them.
  EXPECT_EQ(stuck_report.uploaded, 10u) << reason_of(stuck_report);
  EXPECT_EQ(stuck_report.failed, 0u);
  EXPECT_EQ(sim_->count("register_existing"), 2);
  expect_unique_items(20);
}

TEST_F(RegistrationDeskTest, WithoutRedisEachJobMakesItsOwnCall) {
  RedisServer gone;
  const std::string url = gone.url();
  gone.stop();
  v7::RegistrationDesk::Options options;
  options.redis_timeout = std::chrono::milliseconds(300);
  Worker worker(*sim_, *store_, url, nullptr, options);
  const auto report = worker.upload(tiles_of(5, "alone"));
  EXPECT_EQ(report.uploaded, 5u) << reason_of(report);
  EXPECT_EQ(worker.desk->counters().fallbacks, 1u);
  EXPECT_EQ(worker.desk->counters().calls, 0u);
  EXPECT_EQ(sim_->count("register_existing"), 1);
  expect_unique_items(5);
}

// What a tile is registered with (folder, tags) survives the trip through the desk.
TEST_F(RegistrationDeskTest, PathAndTagsReachV7ThroughTheDesk) {
  Worker worker(*sim_, *store_, redis_.url(), nullptr);
  auto tiles = tiles_of(2, "tagged");
  tiles[0].path = "/from/source";
  tiles[0].tags = {"patch (2x2)", "source:a|b:c.jpg", "12:odd:length"};
  const auto report = worker.upload(std::move(tiles));
  EXPECT_EQ(report.uploaded, 2u) << reason_of(report);
  EXPECT_EQ(worker.desk->counters().calls, 1u);
  EXPECT_EQ(sim_->item_tags(kDataset, "tagged_r0c0.png"),
            (std::vector<std::string>{"patch (2x2)", "source:a|b:c.jpg", "12:odd:length"}));
  EXPECT_EQ(sim_->item_path(kDataset, "tagged_r0c0.png"), "/from/source");
  EXPECT_TRUE(sim_->item_tags(kDataset, "tagged_r0c1.png").empty());
}

// A re-run through the desk: names V7 has are blocked ALREADY_EXISTS and count as done.
TEST_F(RegistrationDeskTest, ARerunThroughTheDeskCountsExistingTilesAsDone) {
  Worker worker(*sim_, *store_, redis_.url(), nullptr);
  ASSERT_EQ(worker.upload(tiles_of(4, "again")).uploaded, 4u);
  auto tiles = tiles_of(6, "again");
  const auto second = worker.upload(std::move(tiles));
  EXPECT_EQ(second.already_existed, 4u) << reason_of(second);
  EXPECT_EQ(second.uploaded, 2u);
  EXPECT_FALSE(second.job_error());
  expect_unique_items(6);
}

}  // namespace
}  // namespace patchq::testing
