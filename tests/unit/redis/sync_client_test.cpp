#include "common/redis/sync_client.hpp"

#include <gtest/gtest.h>

#include "tests/support/redis_server.hpp"

namespace patchq::redis {
namespace {

using testing::RedisServer;

TEST(SyncClient, RunsCommandsAndReturnsReplyErrorsAsValues) {
  RedisServer server;
  SyncClient client({server.endpoint()});
  EXPECT_EQ(client.command({"SET", "k", "v"}).str, "OK");
  EXPECT_EQ(client.command({"GET", "k"}).str, "v");
  EXPECT_TRUE(client.command({"GET", "missing"}).is_nil());
  EXPECT_TRUE(client.command({"INCR", "k"}).is_error());
}

TEST(SyncClient, PipelineReturnsOneReplyPerCommandInOrder) {
  RedisServer server;
  SyncClient client({server.endpoint()});
  auto replies =
      client.pipeline({{"RPUSH", "l", "a"}, {"RPUSH", "l", "b"}, {"LRANGE", "l", "0", "-1"}});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].integer, 1);
  EXPECT_EQ(replies[1].integer, 2);
  ASSERT_EQ(replies[2].elements.size(), 2u);
  EXPECT_EQ(replies[2].elements[1].str, "b");
}

TEST(SyncClient, EvalLoadsTheScriptWhenRedisDoesNotHaveItCached) {
  RedisServer server;
  SyncClient client({server.endpoint()});
  const LuaScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(client.eval(script, {"n"}, {"5"}).integer, 5);
  server.command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(client.eval(script, {"n"}, {"2"}).integer, 7);
}

TEST(SyncClient, ThrowsConnectionErrorWhenRedisIsDownAndRecoversWhenItIsBack) {
  RedisServer server;
  SyncClient client({server.endpoint()});
  EXPECT_EQ(client.command({"PING"}).str, "PONG");
  server.kill();
  EXPECT_THROW(client.command({"PING"}), ConnectionError);
  server.start();
  EXPECT_EQ(client.command({"PING"}).str, "PONG");
}

TEST(SyncClient, AuthenticatesWithThePasswordFromTheUrl) {
  RedisServer server;
  server.command({"CONFIG", "SET", "requirepass", "pw"});
  auto ep = server.endpoint();
  SyncClient anonymous({ep});
  EXPECT_TRUE(anonymous.command({"GET", "x"}).is_error());
  ep.password = "pw";
  SyncClient authed({ep});
  EXPECT_TRUE(authed.command({"GET", "x"}).is_nil());
}

}  // namespace
}  // namespace patchq::redis
