// AsyncClient against a real redis-server: order of pipelined replies, exactly-in-flight
// failure on a lost connection, reconnect without intervention, transactions.
#include "common/redis/async_client.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/redis_async/io_thread.hpp"

namespace patchq::redis {
namespace {

using namespace std::chrono_literals;
using test::call;
using test::IoThread;
using test::stop_and_wait;
using testing::RedisServer;
using testing::wait_until;

AsyncClient::Options options_for(const RedisServer& server) {
  AsyncClient::Options o;
  o.endpoint = server.endpoint();
  o.reconnect_backoff = {20ms, 200ms};
  o.name = "test";
  return o;
}

std::shared_ptr<AsyncClient> started(IoThread& io, AsyncClient::Options options) {
  auto client = AsyncClient::create(io.strand(), std::move(options));
  client->start();
  EXPECT_TRUE(wait_until([&] { return client->ready(); }, 5s));
  return client;
}

// Blocks until `n` clients are blocked in the server (a BLPOP of ours has reached it).
bool blocked_clients(RedisServer& server, int n) {
  return wait_until([&] {
    return server.command({"INFO", "clients"}).str.find("blocked_clients:" + std::to_string(n)) !=
           std::string::npos;
  });
}

int server_pid(RedisServer& server) {
  const std::string info = server.command({"INFO", "server"}).str;
  const auto at = info.find("process_id:");
  return std::stoi(info.substr(at + 11));
}

TEST(AsyncClient, AnswersEachCommandWithItsOwnReply) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  EXPECT_EQ(call(*client, {"SET", "k", "v"}).value->str, "OK");
  EXPECT_EQ(call(*client, {"GET", "k"}).value->str, "v");
  const AsyncReply error = call(*client, {"INCR", "k"});
  ASSERT_TRUE(error.delivered());
  EXPECT_TRUE(error.value->is_error());
  stop_and_wait(*client);
}

TEST(AsyncClient, PipelinedCommandsFromManyThreadsGetRepliesInTheOrderTheyWereSent) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::mutex mutex;
  std::vector<std::vector<long long>> seen(kThreads);  // per thread, in callback order
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each thread increments its own counter: replies must come back 1, 2, 3, ...
        client->command({"INCR", "n" + std::to_string(t)}, [&, t](AsyncReply r) {
          std::lock_guard lock(mutex);
          seen[t].push_back(r.delivered() ? r.value->integer : -1);
          ++done;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(wait_until([&] { return done.load() == kThreads * kPerThread; }));
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), static_cast<std::size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i + 1) << "thread " << t;
  }
  stop_and_wait(*client);
}

TEST(AsyncClient, LostConnectionFailsOnlyTheCommandsStillWaitingForReplies) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  std::mutex mutex;
  std::vector<std::string> outcomes(3);
  std::atomic<int> done{0};
  auto record = [&](int i) {
    return [&, i](AsyncReply r) {
      std::lock_guard lock(mutex);
      outcomes[i] = r.delivered() ? "reply" : "failed: " + r.failure;
      ++done;
    };
  };
  client->command({"SET", "a", "1"}, record(0));
  ASSERT_TRUE(wait_until([&] { return done.load() == 1; }));
  client->command({"BLPOP", "q", "0"}, record(1));  // stays in flight
  client->command({"GET", "a"}, record(2));         // queued behind it on the connection
  ASSERT_TRUE(blocked_clients(server, 1));
  server.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  ASSERT_TRUE(wait_until([&] { return done.load() == 3; }));
  EXPECT_EQ(outcomes[0], "reply");
  EXPECT_TRUE(outcomes[1].starts_with("failed: connection to redis lost")) << outcomes[1];
  EXPECT_TRUE(outcomes[2].starts_with("failed: connection to redis lost")) << outcomes[2];
  stop_and_wait(*client);
}

TEST(AsyncClient, ReconnectsByItselfAfterRedisRestarts) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->ready(); }));
  server.start();
  ASSERT_TRUE(wait_until([&] { return client->ready(); }));
  EXPECT_EQ(call(*client, {"PING"}).value->str, "PONG");
  EXPECT_EQ(client->reconnects(), 1u);
  stop_and_wait(*client);
}

TEST(AsyncClient, FailsCommandsAtOnceWhileRedisIsDown) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->ready(); }));
  const auto before = std::chrono::steady_clock::now();
  const AsyncReply r = call(*client, {"PING"});
  EXPECT_FALSE(r.delivered());
  EXPECT_EQ(r.failure, "redis is not connected");
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  stop_and_wait(*client);
}

TEST(AsyncClient, ConnectsToAHostNameResolvedOffTheLoop) {
  RedisServer server;  // listens on 127.0.0.1 only: "localhost" must be tried as IPv4
  IoThread io;
  auto options = options_for(server);
  options.endpoint.host = "localhost";
  auto client = started(io, options);
  ASSERT_TRUE(client->ready());
  EXPECT_EQ(call(*client, {"PING"}).value->str, "PONG");
  stop_and_wait(*client);
}

TEST(AsyncClient, AnUnresolvableHostIsNotReadyAndItsCommandsFailAtOnce) {
  IoThread io;
  AsyncClient::Options options;
  options.endpoint.host = "patchq-no-such-host.invalid";
  options.endpoint.port = 6379;
  options.reconnect_backoff = {20ms, 200ms};
  auto client = AsyncClient::create(io.strand(), options);
  client->start();
  // However long the lookup takes, the loop is not blocked by it: commands fail at once.
  for (int i = 0; i < 3; ++i) {
    const auto before = std::chrono::steady_clock::now();
    const AsyncReply r = call(*client, {"PING"});
    EXPECT_FALSE(r.delivered());
    EXPECT_EQ(r.failure, "redis is not connected");
    EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
    std::this_thread::sleep_for(100ms);  // let lookups and retries run in between
  }
  EXPECT_FALSE(client->ready());
  stop_and_wait(*client);
}

TEST(AsyncClient, DropsAConnectionThatStopsAnsweringAndFailsItsCommands) {
  RedisServer server;
  IoThread io;
  auto options = options_for(server);
  options.reply_timeout = 300ms;
  options.connect_timeout = 300ms;
  auto client = started(io, options);
  const int pid = server_pid(server);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const AsyncReply r = call(*client, {"PING"});
  ::kill(pid, SIGCONT);
  EXPECT_FALSE(r.delivered());
  EXPECT_TRUE(r.failure.starts_with("connection to redis lost")) << r.failure;
  EXPECT_TRUE(wait_until([&] { return client->ready(); }));
  EXPECT_EQ(call(*client, {"PING"}).value->str, "PONG");
  stop_and_wait(*client);
}

TEST(AsyncClient, IsNotReadyWhileRedisRefusesTheSetup) {
  RedisServer server;
  server.command({"CONFIG", "SET", "requirepass", "right"});
  IoThread io;
  auto options = options_for(server);
  options.endpoint.password = "wrong";
  auto client = AsyncClient::create(io.strand(), options);
  client->start();
  // It keeps trying (with backoff) and never claims readiness.
  EXPECT_FALSE(wait_until([&] { return client->ready(); }, 500ms));
  EXPECT_FALSE(call(*client, {"PING"}).delivered());
  stop_and_wait(*client);
}

TEST(AsyncClient, AuthenticatesAndSelectsTheDatabaseFromTheEndpoint) {
  RedisServer server;
  server.command({"CONFIG", "SET", "requirepass", "pw"});
  IoThread io;
  auto options = options_for(server);
  options.endpoint.password = "pw";
  options.endpoint.db = 3;
  auto client = started(io, options);
  EXPECT_EQ(call(*client, {"SET", "k", "v"}).value->str, "OK");
  server.command({"AUTH", "pw"});
  server.command({"SELECT", "3"});
  EXPECT_EQ(server.command({"GET", "k"}).str, "v");
  stop_and_wait(*client);
}

AsyncReply run_transaction(AsyncClient& client, std::vector<std::vector<std::string>> commands) {
  auto promise = std::make_shared<std::promise<AsyncReply>>();
  auto future = promise->get_future();
  client.transaction(std::move(commands), [promise](AsyncReply r) { promise->set_value(r); });
  if (future.wait_for(5s) != std::future_status::ready) return {};
  return future.get();
}

TEST(AsyncClient, TransactionAnswersWithExecsReplyOfOneReplyPerCommand) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  const AsyncReply r = run_transaction(*client, {{"INCR", "n"}, {"INCR", "n"}, {"GET", "n"}});
  ASSERT_TRUE(r.delivered());
  ASSERT_EQ(r.value->elements.size(), 3u);
  EXPECT_EQ(r.value->elements[0].integer, 1);
  EXPECT_EQ(r.value->elements[1].integer, 2);
  EXPECT_EQ(r.value->elements[2].str, "2");
  stop_and_wait(*client);
}

TEST(AsyncClient, AnEvalInATransactionRunsWhenTheScriptCacheWasFlushed) {
  RedisServer server;
  IoThread io;
  static const LuaScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  auto client = started(io, options_for(server));
  server.command({"SCRIPT", "FLUSH"});
  const AsyncReply r = run_transaction(*client, {{"EVAL", script.text(), "1", "n", "2"}});
  ASSERT_TRUE(r.delivered());
  ASSERT_EQ(r.value->elements.size(), 1u);
  EXPECT_EQ(r.value->elements[0].integer, 2);
  stop_and_wait(*client);
}

TEST(AsyncClient, TransactionWithACommandRefusedWhileQueueingIsAbortedWhole) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  const AsyncReply r = run_transaction(*client, {{"SET", "k", "v"}, {"NOSUCHCOMMAND"}});
  ASSERT_TRUE(r.delivered());
  EXPECT_TRUE(r.value->is_error());
  EXPECT_TRUE(r.value->str.starts_with("EXECABORT")) << r.value->str;
  EXPECT_TRUE(server.command({"GET", "k"}).is_nil());
  // The connection is still good for what follows.
  EXPECT_EQ(call(*client, {"PING"}).value->str, "PONG");
  stop_and_wait(*client);
}

TEST(AsyncClient, StopFailsWhatIsInFlightAndStopsReconnecting) {
  RedisServer server;
  IoThread io;
  auto client = started(io, options_for(server));
  auto promise = std::make_shared<std::promise<AsyncReply>>();
  client->command({"BLPOP", "q", "0"}, [promise](AsyncReply r) { promise->set_value(r); });
  ASSERT_TRUE(blocked_clients(server, 1));
  stop_and_wait(*client);
  auto future = promise->get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(future.get().delivered());
  EXPECT_FALSE(client->ready());
  EXPECT_FALSE(wait_until([&] { return client->ready(); }, 300ms));
}

}  // namespace
}  // namespace patchq::redis
