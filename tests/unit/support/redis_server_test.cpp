// The test harness itself: a real redis-server starts, answers, restarts with its data.
#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

namespace patchq::testing {
namespace {

TEST(RedisServer, StartsOnAFreeLoopbackPortAndAnswers) {
  RedisServer redis;
  EXPECT_GT(redis.port(), 0);
  EXPECT_EQ(redis.command({"SET", "k", "v"}).str, "OK");
  EXPECT_EQ(redis.command({"GET", "k"}).str, "v");
}

TEST(RedisServer, KeepsAppendOnlyDataAcrossAKillAndRestart) {
  RedisServer redis(RedisServer::Options{.append_only = true});
  redis.command({"XADD", "s", "*", "f", "v"});
  redis.kill();
  EXPECT_FALSE(redis.running());
  EXPECT_THROW(redis.command({"PING"}), redis::ConnectionError);
  redis.start();
  EXPECT_EQ(redis.command({"XLEN", "s"}).integer, 1);
}

}  // namespace
}  // namespace patchq::testing
