#include "common/net/transfer_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/support/wait.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::net {
namespace {

TEST(TransferPool, RunsEveryTaskBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    TransferPool pool(3, HttpClientOptions{});
    for (int i = 0; i < 50; ++i) pool.submit([&](HttpClient&) { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(TransferPool, KeepsEachThreadsConnectionOpenAcrossTasks) {
  testing::ScriptedServer server(
      [](const testing::RecordedRequest&, testing::ScriptedConnection& c) {
        c.write(testing::ScriptedServer::reply(200, "ok"));
      });
  HttpClientOptions options;
  options.rules = HostRules({"127.0.0.1"}, true);
  std::atomic<int> ok{0};
  {
    TransferPool pool(2, options);
    for (int i = 0; i < 40; ++i) {
      pool.submit([&](HttpClient& http) {
        if (http.send({.url = server.url("/t")}).ok()) ++ok;
      });
    }
    ASSERT_TRUE(patchq::testing::wait_until([&] { return ok.load() == 40; }));
    ASSERT_TRUE(patchq::testing::wait_until([&] { return pool.stats().requests == 40; }));
    EXPECT_LE(pool.stats().connections_opened, 2u);
  }
  EXPECT_LE(server.connections(), 2);
}

}  // namespace
}  // namespace patchq::net
