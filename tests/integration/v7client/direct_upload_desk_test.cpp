// Jobs of one process sharing direct_upload calls (DirectUploadDesk) against the V7 stand-in:
// jobs that finish while a call is in flight share the next one, names never meet twice in
// one call, and a call V7 refuses for good is sent again per job.
#include "common/v7/direct_upload_desk.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "common/v7/prepaying_limiter.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/v7client/v7_sim.hpp"
#include "tests/support/wait.hpp"

namespace patchq::v7 {
namespace {

using testing::V7Sim;

constexpr const char* kTeam = "patchq-sim";
constexpr const char* kDataset = "tiles";

std::vector<Tile> job_tiles(const std::string& stem, int n, const std::string& path = "/") {
  std::vector<Tile> tiles;
  for (int i = 0; i < n; ++i) {
    Tile tile{stem + "_r0c" + std::to_string(i) + ".png",
              tile_bytes(stem + " tile " + std::to_string(i) + std::string(500, 'x'))};
    tile.path = path;
    tiles.push_back(std::move(tile));
  }
  return tiles;
}

// One job lane: its own client (as each of a worker's lanes has), the process's desk.
class Lane {
 public:
  Lane(const V7Sim& sim, std::shared_ptr<DirectUploadDesk> desk,
       std::shared_ptr<RateLimiter> budget = nullptr) {
    auto config = sim.client_config();
    config.create_target = true;
    config.upload_mode = "direct";
    client_ = std::make_unique<V7Client>(config, std::move(budget));
    client_->share_direct_uploads(std::move(desk));
  }
  ~Lane() {
    if (thread_.joinable()) thread_.join();
  }
  V7Client& client() { return *client_; }
  void start(std::vector<Tile> tiles) {
    thread_ = std::thread([this, tiles = std::move(tiles)]() mutable {
      report_ = testing::upload_all(*client_, kTeam, kDataset, std::move(tiles));
    });
  }
  const UploadReport& wait() {
    thread_.join();
    return report_;
  }

 private:
  std::unique_ptr<V7Client> client_;
  std::thread thread_;
  UploadReport report_;
};

bool desk_shows(const DirectUploadDesk& desk, std::uint64_t calls, std::uint64_t waiting) {
  const auto now = desk.stats();
  return now.calls == calls && now.calling == 1 && now.waiting == waiting;
}

using LaneTiles = std::vector<std::pair<Lane*, std::vector<Tile>>>;

// Holds `first`'s call in flight (600 ms at the stand-in), then starts `later`: true once every
// one of them waits at the desk behind that call.
bool queue_behind_a_call(V7Sim& sim, const DirectUploadDesk& desk, Lane& first,
                         std::vector<Tile> first_tiles, LaneTiles later) {
  if (!first.client().ensure_target(kTeam, kDataset)) return false;
  sim.set_fault(R"({"endpoint": "direct_upload", "latency_ms": 600})");
  first.start(std::move(first_tiles));
  if (!testing::wait_until([&] { return desk_shows(desk, 1, 0); })) return false;
  const std::uint64_t waiting = later.size();
  for (auto& [lane, tiles] : later) lane->start(std::move(tiles));
  return testing::wait_until([&] { return desk_shows(desk, 1, waiting); });
}

TEST(DirectUploadDesk, JobsFinishingWhileACallIsInFlightShareTheNextCall) {
  V7Sim sim;
  auto desk = std::make_shared<DirectUploadDesk>();
  std::vector<std::unique_ptr<Lane>> lanes;
  for (int i = 0; i < 4; ++i) lanes.push_back(std::make_unique<Lane>(sim, desk));
  LaneTiles later;
  for (int i = 1; i < 4; ++i)
    later.emplace_back(lanes[i].get(), job_tiles(std::string(1, 'a' + i), 5));
  ASSERT_TRUE(queue_behind_a_call(sim, *desk, *lanes[0], job_tiles("a", 5), std::move(later)));

  for (auto& lane : lanes) EXPECT_EQ(lane->wait().uploaded, 5u);
  EXPECT_EQ(sim.count("direct_upload"), 2);  // one call alone, then three jobs in one
  EXPECT_EQ(desk->stats().shared_calls, 1u);
  EXPECT_EQ(sim.item_names(kDataset).size(), 20u);
}

TEST(DirectUploadDesk, JobsArrivingWhileTheLeaderWaitsForItsTokenJoinItsCall) {
  V7Sim sim;
  auto budget = std::make_shared<PrepayingLimiter>(std::make_shared<LocalRateLimiter>(120, 1));
  budget->acquire();  // the burst spent: the next token is due in 0.5 s
  DirectUploadDesk::Options options;
  options.budget = budget;
  auto desk = std::make_shared<DirectUploadDesk>(options);
  std::vector<std::unique_ptr<Lane>> lanes;
  for (int i = 0; i < 4; ++i) lanes.push_back(std::make_unique<Lane>(sim, desk, budget));
  Lane setup(sim, nullptr);
  ASSERT_TRUE(setup.client().ensure_target(kTeam, kDataset));

  for (int i = 0; i < 4; ++i) lanes[i]->start(job_tiles(std::string(1, 'a' + i), 5));
  for (auto& lane : lanes) EXPECT_EQ(lane->wait().uploaded, 5u);
  // Without the token taken first, the leader would send its own tiles alone (2 calls).
  EXPECT_EQ(sim.count("direct_upload"), 1);
  EXPECT_EQ(desk->stats().shared_calls, 1u);
  EXPECT_EQ(sim.item_names(kDataset).size(), 20u);
}

TEST(DirectUploadDesk, ALoneJobSendsAtOnce) {
  V7Sim sim;
  auto desk = std::make_shared<DirectUploadDesk>();
  Lane lane(sim, desk);
  ASSERT_TRUE(lane.client().ensure_target(kTeam, kDataset));
  lane.start(job_tiles("solo", 3));
  EXPECT_EQ(lane.wait().uploaded, 3u);
  EXPECT_EQ(sim.count("direct_upload"), 1);
  EXPECT_EQ(desk->stats().calls, 1u);
  EXPECT_EQ(desk->stats().waiting, 0u);
}

TEST(DirectUploadDesk, TilesOfOneNameNeverShareACall) {
  V7Sim sim;
  auto desk = std::make_shared<DirectUploadDesk>();
  Lane first(sim, desk), twin(sim, desk), other_twin(sim, desk);
  // The same item delivered twice: two jobs with the same tile names wait together.
  ASSERT_TRUE(
      queue_behind_a_call(sim, *desk, first, job_tiles("first", 2),
                          {{&twin, job_tiles("twin", 4)}, {&other_twin, job_tiles("twin", 4)}}));

  EXPECT_EQ(first.wait().uploaded, 2u);
  const auto a = twin.wait();
  const auto b = other_twin.wait();
  EXPECT_EQ(a.uploaded + b.uploaded, 4u);
  EXPECT_EQ(a.already_existed + b.already_existed, 4u);
  EXPECT_EQ(a.failed + b.failed, 0u);
  EXPECT_EQ(sim.count("direct_upload"), 3);  // the twins went one after the other
  EXPECT_EQ(sim.item_names(kDataset).size(), 6u);
}

TEST(DirectUploadDesk, ACallRefusedForGoodIsSentAgainPerJob) {
  V7Sim sim;
  auto desk = std::make_shared<DirectUploadDesk>();
  Lane first(sim, desk), bad(sim, desk), good(sim, desk);
  // V7 refuses a whole request whose folder path is not absolute (422).
  ASSERT_TRUE(queue_behind_a_call(
      sim, *desk, first, job_tiles("first", 2),
      {{&bad, job_tiles("bad", 3, "no-leading-slash")}, {&good, job_tiles("good", 3)}}));

  EXPECT_EQ(first.wait().uploaded, 2u);
  const auto refused = bad.wait();
  EXPECT_EQ(refused.failed, 3u);
  ASSERT_TRUE(refused.job_error());
  EXPECT_FALSE(refused.job_error()->retryable());
  EXPECT_EQ(good.wait().uploaded, 3u);  // not failed by the other job's tiles
  EXPECT_EQ(desk->stats().resent_alone, 2u);
  EXPECT_EQ(sim.count("direct_upload"), 4);  // first, the shared one, then one per job
  EXPECT_EQ(sim.item_names(kDataset).size(), 5u);
}

TEST(DirectUploadDesk, ACallCarriesAtMostItsItemLimit) {
  V7Sim sim;
  DirectUploadDesk::Options options;
  options.call_items = 5;
  auto desk = std::make_shared<DirectUploadDesk>(options);
  Lane first(sim, desk), second(sim, desk), third(sim, desk);
  // 3 + 3 items exceed the limit of 5.
  ASSERT_TRUE(
      queue_behind_a_call(sim, *desk, first, job_tiles("first", 1),
                          {{&second, job_tiles("second", 3)}, {&third, job_tiles("third", 3)}}));

  EXPECT_EQ(first.wait().uploaded, 1u);
  EXPECT_EQ(second.wait().uploaded, 3u);
  EXPECT_EQ(third.wait().uploaded, 3u);
  EXPECT_EQ(sim.count("direct_upload"), 3);
  EXPECT_EQ(desk->stats().shared_calls, 0u);
}

TEST(DirectUploadDesk, ARetryableFailureIsEverySharingJobsToRetry) {
  V7Sim sim;
  auto desk = std::make_shared<DirectUploadDesk>();
  Lane first(sim, desk), second(sim, desk), third(sim, desk);
  ASSERT_TRUE(
      queue_behind_a_call(sim, *desk, first, job_tiles("first", 1),
                          {{&second, job_tiles("second", 2)}, {&third, job_tiles("third", 2)}}));
  // Every later call fails with 503 (after the client's own tries): the shared call's failure
  // reaches both jobs as retryable, and nothing is sent again per job.
  sim.set_fault(R"({"endpoint": "direct_upload", "p5xx": 1.0})");

  first.wait();  // its call may or may not have reached V7 before the fault: either is fine
  for (Lane* lane : {&second, &third}) {
    const auto report = lane->wait();
    EXPECT_EQ(report.failed, 2u);
    ASSERT_TRUE(report.job_error());
    EXPECT_TRUE(report.job_error()->retryable());
  }
  EXPECT_EQ(desk->stats().resent_alone, 0u);
  EXPECT_EQ(desk->stats().shared_calls, 1u);
}

}  // namespace
}  // namespace patchq::v7
