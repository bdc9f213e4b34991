// The Asio adapter alone, on a bare hiredis async context: readiness reaches hiredis, pipelined
// replies come back in order, and cleanup lets go of the socket.
#include "common/redis/asio_adapter.hpp"

#include <gtest/gtest.h>
#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "tests/support/redis_server.hpp"

namespace patchq::redis {
namespace {

using testing::RedisServer;

struct Seen {
  std::vector<long long> integers;
  bool connected = false;
  bool disconnected = false;
  bool null_reply = false;
};

void on_reply(redisAsyncContext*, void* raw, void* privdata) {
  auto* seen = static_cast<Seen*>(privdata);
  auto* reply = static_cast<redisReply*>(raw);
  if (reply == nullptr) {
    seen->null_reply = true;
    return;
  }
  seen->integers.push_back(reply->integer);
}

void on_connect(const redisAsyncContext* ac, int status) {
  static_cast<Seen*>(ac->data)->connected = status == REDIS_OK;
}

void on_disconnect(const redisAsyncContext* ac, int) {
  static_cast<Seen*>(ac->data)->disconnected = true;
}

// Runs handlers until `done` holds or 5 s pass.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST(AsioAdapter, DeliversPipelinedRepliesInOrderOnTheIoContext) {
  RedisServer server;
  boost::asio::io_context io;
  redisAsyncContext* ac = redisAsyncConnect("127.0.0.1", server.port());
  ASSERT_NE(ac, nullptr);
  ASSERT_EQ(ac->err, 0);
  Seen seen;
  ac->data = &seen;
  ASSERT_TRUE(attach_asio(ac, io.get_executor()));
  redisAsyncSetConnectCallback(ac, on_connect);
  for (int i = 0; i < 100; ++i) redisAsyncCommand(ac, on_reply, &seen, "INCR n");
  ASSERT_TRUE(run_until(io, [&] { return seen.integers.size() == 100; }));
  EXPECT_TRUE(seen.connected);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen.integers[i], i + 1);
  redisAsyncFree(ac);
}

TEST(AsioAdapter, RefusesASecondAttachment) {
  RedisServer server;
  boost::asio::io_context io;
  redisAsyncContext* ac = redisAsyncConnect("127.0.0.1", server.port());
  ASSERT_TRUE(attach_asio(ac, io.get_executor()));
  EXPECT_FALSE(attach_asio(ac, io.get_executor()));
  redisAsyncFree(ac);
}

TEST(AsioAdapter, ReportsServerSideCloseAndFailsTheCommandWithoutAReply) {
  RedisServer server;
  boost::asio::io_context io;
  redisAsyncContext* ac = redisAsyncConnect("127.0.0.1", server.port());
  Seen seen;
  ac->data = &seen;
  ASSERT_TRUE(attach_asio(ac, io.get_executor()));
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  redisAsyncCommand(ac, on_reply, &seen, "INCR n");
  ASSERT_TRUE(run_until(io, [&] { return seen.integers.size() == 1; }));
  // A blocked command is in flight when the server goes away.
  redisAsyncCommand(ac, on_reply, &seen, "BLPOP q 0");
  ASSERT_TRUE(run_until(io, [&] {
    return server.command({"INFO", "clients"}).str.find("blocked_clients:1") != std::string::npos;
  }));
  server.kill();
  ASSERT_TRUE(run_until(io, [&] { return seen.disconnected; }));
  EXPECT_TRUE(seen.null_reply);
  EXPECT_EQ(seen.integers.size(), 1u);
  // hiredis freed the context itself; the adapter's cleanup ran, and nothing is waited for.
  EXPECT_EQ(io.poll(), 0u);
}

}  // namespace
}  // namespace patchq::redis
