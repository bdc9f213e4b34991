#include "common/patchjob/cut_ledger.hpp"

#include <gtest/gtest.h>

#include "tests/support/redis_server.hpp"

namespace patchq::patchjob {
namespace {

TEST(CutTally, CountsTilesByCutAndBoxKey) {
  CutTally tally;
  tally.add("street 1_e0000000-0000-4000-8000-000000000001_0a1b2c3d_r0c0.png");
  tally.add("street 1_e0000000-0000-4000-8000-000000000001_0a1b2c3d_r0c1.png");
  tally.add("street 1_e0000000-0000-4000-8000-000000000001_ffffffff_r0c0.png");
  tally.add("street 1_other-id_12345678_r3c4.jpg");
  tally.add("no-grid-here.png");        // not a tile name: not counted
  tally.add("x_id_nothex!!_r0c0.png");  // no box key
  const auto& cuts = tally.cuts();
  ASSERT_EQ(cuts.size(), 2u);
  const auto& first = cuts.at("street 1_e0000000-0000-4000-8000-000000000001");
  EXPECT_EQ(first.at("0a1b2c3d"), 2);
  EXPECT_EQ(first.at("ffffffff"), 1);
  EXPECT_EQ(cuts.at("street 1_other-id").at("12345678"), 1);
}

CutTally tally_of(std::initializer_list<const char*> names) {
  CutTally tally;
  for (const char* name : names) tally.add(name);
  return tally;
}

TEST(RedisCutLedger, CountsTheTilesOfAnEarlierCutUnderAnotherBoxKey) {
  testing::RedisServer redis;
  RedisCutLedger ledger({.endpoint = redis.endpoint()});
  const auto old_cut =
      tally_of({"a_id1_00000001_r0c0.png", "a_id1_00000001_r0c1.png", "a_id2_00000002_r0c0.png"});
  EXPECT_EQ(ledger.record("item", old_cut), 0);  // first cut: nothing replaced
  EXPECT_EQ(ledger.record("item", old_cut), 0);  // the same cut again: nothing replaced
  // id1's box moved (2 tiles replaced); id2 unchanged.
  const auto moved = tally_of({"a_id1_0000000a_r0c0.png", "a_id2_00000002_r0c0.png"});
  EXPECT_EQ(ledger.record("item", moved), 2);
  EXPECT_EQ(ledger.record("item", moved), 0);
  // Another item is another ledger.
  EXPECT_EQ(ledger.record("other item", old_cut), 0);
  // A job that cuts only id2 leaves id1's record alone.
  EXPECT_EQ(ledger.record("item", tally_of({"a_id2_00000003_r0c0.png"})), 1);
  EXPECT_EQ(ledger.record("item", tally_of({"a_id1_0000000b_r0c0.png"})), 1);
}

TEST(RedisCutLedger, ExpiresAndReportsAnUnreachableRedisAsUnknown) {
  testing::RedisServer redis;
  RedisCutLedger ledger({.endpoint = redis.endpoint(), .key_prefix = "t:"});
  ASSERT_EQ(ledger.record("item", tally_of({"a_id_00000001_r0c0.png"})), 0);
  const auto keys = redis.command({"KEYS", "t:cuts:*"});
  ASSERT_EQ(keys.elements.size(), 1u);
  const auto ttl = redis.command({"PTTL", keys.elements[0].str}).integer;
  EXPECT_GT(ttl, 29LL * 24 * 3600 * 1000);
  redis.kill();
  EXPECT_FALSE(ledger.record("item", tally_of({"a_id_00000002_r0c0.png"})).has_value());
}

}  // namespace
}  // namespace patchq::patchjob
