// The register way's upload journal against the V7 stand-in and a real redis-server, under
// both answers V7 may give to a second sign of a confirmed upload (the stand-in's
// --resign-confirmed: refuse = 409, sign = 200 with a URL whose PUT overwrites the file).
// Checked: a blocked ALREADY_EXISTS item is never signed or PUT again unless patchq recorded
// it as its own unconfirmed upload; patchq's own half-finished upload is resumed; an item
// patchq did not create keeps its bytes.
#include "common/v7/upload_journal.hpp"

#include <gtest/gtest.h>

#include "common/redis/redis_url.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/v7client/v7_sim.hpp"
#include "tests/support/redis_server.hpp"

namespace patchq::v7 {
namespace {

using testing::V7Sim;

constexpr const char* kTeam = "patchq-sim";

std::vector<Tile> tiles_with(const std::string& content, int n = 1) {
  std::vector<Tile> tiles;
  for (int i = 0; i < n; ++i) {
    tiles.push_back(
        {"j_r0c" + std::to_string(i) + ".png", tile_bytes(content + std::to_string(i))});
  }
  return tiles;
}

class UploadJournalTest : public ::testing::TestWithParam<std::string> {
 protected:
  UploadJournalTest()
      : sim_({"--resign-confirmed=" + GetParam()}),
        journal_(RedisUploadJournal::Options{redis::parse_redis_url(redis_.url()).value()}) {}

  std::unique_ptr<V7Client> client(const std::string& mode = "register",
                                   UploadJournal* journal = nullptr) {
    auto config = sim_.client_config();
    config.create_target = true;
    config.upload_mode = mode;
    auto c = std::make_unique<V7Client>(config, nullptr);
    c->set_upload_journal(journal);
    EXPECT_TRUE(c->ensure_target(kTeam, "tiles"));
    return c;
  }

  testing::RedisServer redis_;
  V7Sim sim_;
  RedisUploadJournal journal_;
};

TEST_P(UploadJournalTest, ARerunOfAFinishedJobSignsAndPutsNothingAgain) {
  auto c = client("register", &journal_);
  ASSERT_EQ(testing::upload_all(*c, kTeam, "tiles", tiles_with("first", 3)).uploaded, 3u);
  const auto sha = sim_.item_sha256("tiles", "j_r0c1.png");
  EXPECT_EQ(redis_.command({"KEYS", "patchq:upload:*"}).elements.size(), 0u);  // all closed
  const auto again = testing::upload_all(*c, kTeam, "tiles", tiles_with("second", 3));
  EXPECT_EQ(again.already_existed, 3u);
  EXPECT_FALSE(again.job_error());
  EXPECT_EQ(sim_.count("sign"), 3);  // the first run's only
  EXPECT_EQ(sim_.count("storage_put"), 3);
  EXPECT_EQ(sim_.item_sha256("tiles", "j_r0c1.png"), sha);
}

TEST_P(UploadJournalTest, AnItemPatchqDidNotCreateKeepsItsBytes) {
  auto other = client("direct");  // someone else's upload of the same name
  ASSERT_EQ(testing::upload_all(*other, kTeam, "tiles", tiles_with("theirs")).uploaded, 1u);
  const auto sha = sim_.item_sha256("tiles", "j_r0c0.png");
  auto c = client("register", &journal_);
  const auto report = testing::upload_all(*c, kTeam, "tiles", tiles_with("ours"));
  EXPECT_EQ(report.already_existed, 1u);
  EXPECT_EQ(sim_.count("sign"), 0);
  EXPECT_EQ(sim_.count("storage_put"), 0);
  EXPECT_EQ(sim_.item_sha256("tiles", "j_r0c0.png"), sha);
}

TEST_P(UploadJournalTest, PatchqsOwnHalfFinishedUploadIsResumed) {
  auto c = client("register", &journal_);
  sim_.set_fault(R"({"endpoint": "confirm", "fail_next": 3, "status": 500})");
  const auto first = testing::upload_all(*c, kTeam, "tiles", tiles_with("bytes"));
  ASSERT_EQ(first.failed, 1u);
  ASSERT_TRUE(first.job_error()->retryable());
  EXPECT_TRUE(sim_.item_names("tiles").empty());
  EXPECT_EQ(redis_.command({"KEYS", "patchq:upload:*"}).elements.size(), 1u);  // still open
  const auto second = testing::upload_all(*c, kTeam, "tiles", tiles_with("bytes"));
  EXPECT_EQ(second.uploaded, 1u);
  EXPECT_EQ(second.resumed, 1u);
  EXPECT_EQ(sim_.item_names("tiles").size(), 1u);
  EXPECT_EQ(sim_.item_sha256("tiles", "j_r0c0.png"), testing::sha256_hex("bytes0"));
  EXPECT_EQ(redis_.command({"KEYS", "patchq:upload:*"}).elements.size(), 0u);
}

TEST_P(UploadJournalTest, AnOpenRecordOfAnotherUploadIsNotResumed) {
  auto c = client("register", &journal_);
  ASSERT_EQ(testing::upload_all(*c, kTeam, "tiles", tiles_with("first")).uploaded, 1u);
  const auto sha = sim_.item_sha256("tiles", "j_r0c0.png");
  // A record left by some other registration of the name (not the one V7 reports).
  ASSERT_TRUE(journal_.opened(kTeam, "tiles", "j_r0c0.png", "not-the-blocked-upload"));
  const auto again = testing::upload_all(*c, kTeam, "tiles", tiles_with("second"));
  EXPECT_EQ(again.already_existed, 1u);
  EXPECT_EQ(sim_.count("sign"), 1);
  EXPECT_EQ(sim_.item_sha256("tiles", "j_r0c0.png"), sha);
}

TEST_P(UploadJournalTest, WithoutRedisBlockedItemsAreDoneAndUploadsGoOn) {
  testing::RedisServer gone;
  const std::string url = gone.url();
  gone.stop();
  RedisUploadJournal::Options options{redis::parse_redis_url(url).value()};
  options.redis_timeout = std::chrono::milliseconds(200);
  RedisUploadJournal unreachable(options);
  auto c = client("register", &unreachable);
  ASSERT_EQ(testing::upload_all(*c, kTeam, "tiles", tiles_with("x", 2)).uploaded, 2u);
  const auto again = testing::upload_all(*c, kTeam, "tiles", tiles_with("y", 2));
  EXPECT_EQ(again.already_existed, 2u);
  EXPECT_EQ(sim_.count("sign"), 2);
}

INSTANTIATE_TEST_SUITE_P(SecondSign, UploadJournalTest, ::testing::Values("refuse", "sign"));

}  // namespace
}  // namespace patchq::v7
