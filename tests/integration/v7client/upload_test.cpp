// Tile uploads against the V7 stand-in: both modes, idempotent re-runs (a blocked tile is never
// signed again without a journal), fault handling, and measured throughput and reuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "common/v7/v7_client.hpp"
#include "tests/integration/v7client/v7_sim.hpp"

namespace patchq::v7 {
namespace {

using testing::V7Sim;

constexpr const char* kTeam = "patchq-sim";

std::vector<Tile> make_tiles(int n, std::size_t bytes = 1000, const std::string& stem = "t") {
  std::vector<Tile> tiles;
  for (int i = 0; i < n; ++i) {
    std::string content(bytes, static_cast<char>('a' + i % 26));
    content += std::to_string(i);
    tiles.push_back({stem + "_r0c" + std::to_string(i) + ".png", tile_bytes(content)});
  }
  return tiles;
}

V7ClientConfig with_target(const V7Sim& sim, const std::string& mode = "register") {
  auto config = sim.client_config();
  config.create_target = true;
  config.upload_mode = mode;
  return config;
}

TEST(V7Upload, RegisterModeUploadsEveryTileIntact) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  auto tiles = make_tiles(12);
  const auto expected = tiles;
  const auto report = testing::upload_all(client, kTeam, "tiles", std::move(tiles));
  EXPECT_EQ(report.uploaded, 12u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_FALSE(report.job_error());
  auto names = sim.item_names("tiles");
  EXPECT_EQ(names.size(), 12u);
  for (const auto& tile : expected) {
    EXPECT_EQ(sim.item_sha256("tiles", tile.name), testing::sha256_hex(std::string(tile.view())))
        << tile.name;
  }
  EXPECT_EQ(sim.count("sign"), 12);
  EXPECT_EQ(sim.count("confirm"), 12);
  EXPECT_LT(sim.count("register_upload"), 12);  // group-committed batches
  EXPECT_EQ(sim.storage_auth_headers_seen(), 0);
}

TEST(V7Upload, ReRunCountsExistingTilesAsUploadedWithoutDuplicates) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  ASSERT_EQ(testing::upload_all(client, kTeam, "tiles", make_tiles(6)).uploaded, 6u);
  const auto again = testing::upload_all(client, kTeam, "tiles", make_tiles(6));
  EXPECT_EQ(again.already_existed, 6u);
  EXPECT_EQ(again.uploaded, 0u);
  EXPECT_FALSE(again.job_error()) << again.job_error()->reason;
  EXPECT_EQ(sim.item_names("tiles").size(), 6u);
  EXPECT_EQ(sim.count("storage_put"), 6);  // nothing sent twice
}

// Without an upload journal the uploader cannot tell its own unfinished upload from an item
// V7 has: a blocked ALREADY_EXISTS tile is done and never signed again (upload_journal_test
// covers the resume of patchq's own unfinished uploads).
TEST(V7Upload, WithoutAJournalABlockedTileIsNeverSignedAgain) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  sim.set_fault(R"({"endpoint": "confirm", "fail_next": 3, "status": 500})");
  const auto first = testing::upload_all(client, kTeam, "tiles", make_tiles(1));
  ASSERT_EQ(first.failed, 1u);
  ASSERT_TRUE(first.job_error());
  EXPECT_TRUE(first.job_error()->retryable());
  const auto second = testing::upload_all(client, kTeam, "tiles", make_tiles(1));
  EXPECT_EQ(second.already_existed, 1u);
  EXPECT_EQ(second.resumed, 0u);
  EXPECT_EQ(sim.count("sign"), 1);  // the first run's only
  EXPECT_EQ(sim.count("storage_put"), 1);
}

TEST(V7Upload, DirectModeBatchesTilesAndIsIdempotent) {
  V7Sim sim;
  V7Client client(with_target(sim, "direct"), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  auto tiles = make_tiles(20);
  const auto expected = tiles;
  const auto report = testing::upload_all(client, kTeam, "tiles", std::move(tiles));
  EXPECT_EQ(report.uploaded, 20u);
  EXPECT_EQ(sim.item_names("tiles").size(), 20u);
  EXPECT_EQ(sim.item_sha256("tiles", expected[7].name),
            testing::sha256_hex(std::string(expected[7].view())));
  EXPECT_LT(sim.count("direct_upload"), 20);
  EXPECT_EQ(sim.count("sign"), 0);
  const auto again = testing::upload_all(client, kTeam, "tiles", make_tiles(20));
  EXPECT_EQ(again.already_existed, 20u);
}

TEST(V7Upload, DirectModeFillsEachCallBeforeSendingIt) {
  V7Sim sim;
  V7Client client(with_target(sim, "direct"), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  // Tiles trickle in as an encoder makes them; the calls still leave full.
  sim.set_fault(R"({"endpoint": "*", "latency_ms": 5})");
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(40));
  EXPECT_EQ(report.uploaded, 40u);
  EXPECT_EQ(sim.count("direct_upload"), 1);  // 40 small tiles fit one request
  EXPECT_EQ(sim.item_names("tiles").size(), 40u);
}

TEST(V7Upload, DirectModeCallsCarryAtMost500Items) {
  V7Sim sim;
  V7Client client(with_target(sim, "direct"), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  // 501 tiny tiles fit one request by bytes, but not by items.
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(501, 10));
  EXPECT_EQ(report.uploaded, 501u);
  EXPECT_EQ(sim.count("direct_upload"), 2);
  EXPECT_EQ(sim.item_names("tiles").size(), 501u);
}

TEST(V7Upload, DirectModeCountsTheWholeRequestAgainstTheCallLimit) {
  V7Sim sim;
  auto config = with_target(sim, "direct");
  std::vector<Tile> tiles = make_tiles(20);
  for (int i = 0; i < 20; ++i) {  // names and sizes alike, so every call holds the same count
    tiles[i].name = "t_" + std::to_string(10 + i) + ".png";
    tiles[i].bytes = tile_bytes(std::string(1000, static_cast<char>('a' + i)));
  }
  std::vector<DirectUploadItem> five;
  for (int i = 0; i < 5; ++i) five.push_back({tiles[i].name, "/", tiles[i].view()});
  // Room for exactly five tiles' request: JSON and base64 together.
  config.direct_upload_call_bytes = build_direct_upload("tiles", five).size();
  V7Client client(config, nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  const auto report = testing::upload_all(client, kTeam, "tiles", std::move(tiles));
  EXPECT_EQ(report.uploaded, 20u);
  EXPECT_EQ(report.registered_way, 0u);
  EXPECT_EQ(sim.count("direct_upload"), 4);
}

TEST(V7Upload, DirectModeSendsATileTooLargeForAnyCallTheRegisterWay) {
  V7Sim sim;
  auto config = with_target(sim, "direct");
  config.direct_upload_call_bytes = 2000;  // a 1000-byte tile is 1336 in base64, plus JSON
  V7Client client(config, nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  auto tiles = make_tiles(3, 10);
  tiles.push_back(make_tiles(1, 3000, "big")[0]);
  const std::string big_sha = testing::sha256_hex(std::string(tiles.back().view()));
  const auto report = testing::upload_all(client, kTeam, "tiles", std::move(tiles));
  EXPECT_EQ(report.uploaded, 4u) << (report.job_error() ? report.job_error()->reason : "");
  EXPECT_EQ(report.registered_way, 1u);
  EXPECT_EQ(sim.count("register_upload"), 1);
  EXPECT_EQ(sim.count("sign"), 1);
  EXPECT_EQ(sim.count("confirm"), 1);
  EXPECT_EQ(sim.item_sha256("tiles", "big_r0c0.png"), big_sha);
  EXPECT_EQ(sim.item_names("tiles").size(), 4u);
}

TEST(V7Upload, BlockedReasonIsComparedCaseInsensitively) {
  V7Sim sim({"--blocked-reason-case=lower"});
  V7Client client(with_target(sim, "direct"), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  ASSERT_EQ(testing::upload_all(client, kTeam, "tiles", make_tiles(3)).uploaded, 3u);
  const auto again = testing::upload_all(client, kTeam, "tiles", make_tiles(3));
  EXPECT_EQ(again.already_existed, 3u);
  EXPECT_FALSE(again.job_error());
}

TEST(V7Upload, TransientFaultsOnEveryStepAreRetriedInsideTheClient) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  sim.set_fault(R"({"endpoint": "register_upload", "fail_next": 1, "status": 502})");
  sim.set_fault(R"({"endpoint": "sign", "fail_next": 2, "status": 503})");
  sim.set_fault(R"({"endpoint": "storage_put", "fail_next": 1, "reset": true})");
  sim.set_fault(R"({"endpoint": "confirm", "fail_next": 1, "status": 429})");
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(4));
  EXPECT_EQ(report.uploaded, 4u) << (report.job_error() ? report.job_error()->reason : "");
  EXPECT_EQ(sim.item_names("tiles").size(), 4u);
  EXPECT_EQ(sim.count("sign", "503"), 2);
  EXPECT_EQ(sim.count("storage_put", "reset"), 1);
}

TEST(V7Upload, PermanentStatusFailsTheTileWithoutRetrying) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  sim.set_fault(R"({"endpoint": "sign", "fail_next": 1, "status": 422})");
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(1));
  ASSERT_EQ(report.failed, 1u);
  const auto error = report.job_error();
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retryable());
  EXPECT_EQ(error->http_status, 422);
  EXPECT_NE(error->reason.find("t_r0c0.png"), std::string::npos);
  EXPECT_EQ(sim.count("sign"), 1);
}

TEST(V7Upload, UnknownTargetFailsEveryTilePermanently) {
  V7Sim sim;
  V7Client client(sim.client_config(), nullptr);
  const auto report = testing::upload_all(client, kTeam, "missing", make_tiles(3));
  EXPECT_EQ(report.failed, 3u);
  ASSERT_TRUE(report.job_error());
  EXPECT_FALSE(report.job_error()->retryable());
  EXPECT_EQ(report.job_error()->http_status, 404);
}

TEST(V7Upload, TilesAddedWhileUploadsRunAllArrive) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  sim.set_fault(R"({"endpoint": "*", "latency_ms": 5})");
  auto uploader = client.start_upload(kTeam, "tiles");
  for (auto& tile : make_tiles(30)) uploader->add(std::move(tile));  // as an encoder would
  const auto report = uploader->finish();
  EXPECT_EQ(report.uploaded, 30u);
  ASSERT_EQ(report.tiles.size(), 30u);
  EXPECT_EQ(report.tiles[29].name, "t_r0c29.png");  // add() order
  EXPECT_EQ(sim.item_names("tiles").size(), 30u);
}

TEST(V7Upload, DuplicateNameInOneJobFailsOnlyTheSecond) {
  V7Sim sim;
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  auto tiles = make_tiles(2);
  tiles[1].name = tiles[0].name;
  const auto report = testing::upload_all(client, kTeam, "tiles", std::move(tiles));
  EXPECT_EQ(report.uploaded, 1u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.tiles[1].outcome, TileOutcome::failed);
}

// Measured, printed for docs: 200 tiles of 64 KiB, 4 transfers in flight.
TEST(V7Upload, ReusesConnectionsAndReportsThroughput) {
  V7Sim sim({"--threads=2"});
  V7Client client(with_target(sim), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  const auto before = client.stats();
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(200, 64 * 1024));
  const auto after = client.stats();
  ASSERT_EQ(report.uploaded, 200u);
  const auto opened = after.connections_opened - before.connections_opened;
  const auto requests = after.http_requests - before.http_requests;
  std::cout << "[measure] register mode: 200 tiles x 64 KiB in " << report.elapsed.count()
            << " ms (" << (200.0 * 1000 / std::max<long>(1, report.elapsed.count()))
            << " tiles/s), " << requests << " HTTP requests on " << opened << " new connections, "
            << (after.api_requests - before.api_requests) << " API calls\n";
  EXPECT_LE(opened, 4u);  // one per pool thread at most: every other request reused one
  EXPECT_GE(requests, 600u);
}

TEST(V7Upload, DirectModeThroughput) {
  V7Sim sim({"--threads=2"});
  V7Client client(with_target(sim, "direct"), nullptr);
  ASSERT_TRUE(client.ensure_target(kTeam, "tiles"));
  const auto before = client.stats();
  const auto report = testing::upload_all(client, kTeam, "tiles", make_tiles(200, 64 * 1024));
  const auto after = client.stats();
  ASSERT_EQ(report.uploaded, 200u);
  std::cout << "[measure] direct mode: 200 tiles x 64 KiB in " << report.elapsed.count() << " ms, "
            << (after.api_requests - before.api_requests) << " API calls on "
            << (after.connections_opened - before.connections_opened) << " new connections\n";
  EXPECT_LT(after.api_requests - before.api_requests, 50u);
}

}  // namespace
}  // namespace patchq::v7
