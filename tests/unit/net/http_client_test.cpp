// HttpClient against a real loopback server (ScriptedServer): redirects and where the
// credential goes, size caps while streaming, address rules at connect time, timeouts, reuse.
#include "common/net/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/net/url.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::net {
namespace {

using namespace std::chrono_literals;
using testing::RecordedRequest;
using testing::ScriptedConnection;
using testing::ScriptedServer;

void ok_handler(const RecordedRequest&, ScriptedConnection& c) {
  c.write(ScriptedServer::reply(200, "hello", {{"X-Test", "yes"}}));
}

// Names api.test and storage.test pinned to the servers' loopback ports, the way DNS would.
HttpClientOptions loopback_options(std::vector<std::string> allowed, bool allow_private = true) {
  HttpClientOptions o;
  o.rules = HostRules(std::move(allowed), allow_private);
  o.connect_timeout = 2s;
  o.transfer_timeout = 10s;
  return o;
}

std::string pin(const std::string& host, const ScriptedServer& server) {
  return host + ":" + std::to_string(server.port()) + ":127.0.0.1";
}

std::string url_on(const std::string& host, const ScriptedServer& server, std::string path) {
  return "http://" + host + ":" + std::to_string(server.port()) + path;
}

TEST(HttpClient, ReturnsStatusBodyAndLowerCaseHeaders) {
  ScriptedServer server(ok_handler);
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = server.url("/x")});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.response().status, 200);
  EXPECT_EQ(result.response().body, "hello");
  EXPECT_EQ(result.response().header("x-test"), "yes");
}

TEST(HttpClient, SendsTheCredentialToItsOriginButNotToTheStorageHostItRedirectsTo) {
  ScriptedServer storage(ok_handler);
  ScriptedServer api([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(302, "", {{"Location", url_on("storage.test", storage, "/o")}}));
  });
  auto options = loopback_options({});  // storage.test is trusted only as the API's redirect
  options.resolve = {pin("api.test", api), pin("storage.test", storage)};
  HttpClient client(options);
  const Credential credential{"http://api.test:" + std::to_string(api.port()), "", "ApiKey sekrit"};
  auto result = client.send({.url = url_on("api.test", api, "/file"), .credential = &credential});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.response().body, "hello");
  EXPECT_EQ(result.response().redirects, 1);
  ASSERT_EQ(api.requests().size(), 1u);
  EXPECT_EQ(api.requests()[0].headers.at("authorization"), "ApiKey sekrit");
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_FALSE(storage.requests()[0].headers.contains("authorization"));
}

TEST(HttpClient, DoesNotSendTheCredentialToAnotherPortOfTheSameHost) {
  ScriptedServer other(ok_handler);
  ScriptedServer api([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(307, "", {{"Location", other.url("/o")}}));
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  const Credential credential{"http://127.0.0.1:" + std::to_string(api.port()), "",
                              "ApiKey sekrit"};
  auto result = client.send({.url = api.url("/file"), .credential = &credential});
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(other.requests().size(), 1u);
  EXPECT_FALSE(other.requests()[0].headers.contains("authorization"));
}

TEST(HttpClient, KeepsTheCredentialOffPathsOutsideItsPrefixOnTheSameOrigin) {
  ScriptedServer server([&](const RecordedRequest& r, ScriptedConnection& c) {
    if (r.target.starts_with("/api/")) {
      c.write(ScriptedServer::reply(302, "", {{"Location", "/_storage/files/1?token=t"}}));
    } else {
      c.write(ScriptedServer::reply(200, "bytes"));
    }
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  const Credential credential{"http://127.0.0.1:" + std::to_string(server.port()), "/api/",
                              "ApiKey sekrit"};
  auto result =
      client.send({.url = server.url("/api/v2/teams/t/uploads/1"), .credential = &credential});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].headers.at("authorization"), "ApiKey sekrit");
  EXPECT_FALSE(seen[1].headers.contains("authorization"));
}

TEST(HttpClient, StopsAfterTheRedirectBound) {
  ScriptedServer loop([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(302, "", {{"Location", "/again"}}));
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = loop.url("/start"), .max_redirects = 3});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::too_many_redirects);
  EXPECT_EQ(loop.requests().size(), 4u);  // the first request and 3 redirects
}

TEST(HttpClient, RefusesARedirectToAHostThatIsNotAllowed) {
  ScriptedServer elsewhere(ok_handler);
  ScriptedServer images([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(302, "", {{"Location", url_on("evil.test", elsewhere, "/")}}));
  });
  auto options = loopback_options({"images.test"});
  options.resolve = {pin("images.test", images), pin("evil.test", elsewhere)};
  HttpClient client(options);
  auto result = client.send({.url = url_on("images.test", images, "/a.jpg")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::host_not_allowed);
  EXPECT_EQ(elsewhere.connections(), 0);
}

TEST(HttpClient, TurnsAPostInto303GetWithoutTheBody) {
  ScriptedServer server([&](const RecordedRequest& r, ScriptedConnection& c) {
    if (r.target == "/form") {
      c.write(ScriptedServer::reply(303, "", {{"Location", "/result"}}));
    } else {
      c.write(ScriptedServer::reply(200, r.method));
    }
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.method = "POST", .url = server.url("/form"), .body = "payload"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.response().body, "GET");
  EXPECT_EQ(server.requests().at(1).body, "");
}

TEST(HttpClient, PutSendsTheBytesAsTheyAreWithoutAFormContentType) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\xff", 10);
  ScriptedServer server(
      [](const RecordedRequest&, ScriptedConnection& c) { c.write(ScriptedServer::reply(200)); });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.method = "PUT", .url = server.url("/obj"), .body = bytes});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.body, bytes);
  EXPECT_FALSE(seen.headers.contains("content-type"));
}

TEST(HttpClient, RefusesABodyWhoseContentLengthIsOverTheLimitBeforeReadingIt) {
  ScriptedServer server([](const RecordedRequest&, ScriptedConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
    c.write(std::string(1 << 20, 'x'));
    c.close_after();
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = server.url("/big"), .max_response_bytes = 1000});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::too_large);
}

TEST(HttpClient, AbortsAChunkedBodyWhileStreamingOnceItPassesTheLimit) {
  std::atomic<std::size_t> written{0};
  std::atomic<bool> server_done{false};
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    // Up to 256 MiB, unless the client hangs up first.
    for (int i = 0; i < 4096 && c.write(chunk); ++i) written += 0x10000;
    c.close_after();
    server_done = true;
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = server.url("/stream"), .max_response_bytes = 1 << 20});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::too_large);
  // The server could push socket buffers' worth past the limit, not the whole stream.
  ASSERT_TRUE(patchq::testing::wait_until([&] { return server_done.load(); }));
  EXPECT_LT(written.load(), std::size_t{64} << 20);
}

TEST(HttpClient, RefusesALoopbackLiteralWhenPrivateHostsAreNotAllowed) {
  ScriptedServer server(ok_handler);
  HttpClient client(loopback_options({"127.0.0.1"}, /*allow_private=*/false));
  auto result = client.send({.url = server.url("/x")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::address_refused);
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpClient, RefusesAnAllowedNameThatResolvesToLoopback) {
  ScriptedServer server(ok_handler);
  auto options = loopback_options({"images.test"}, /*allow_private=*/false);
  options.resolve = {pin("images.test", server)};  // DNS (re)binding the name to 127.0.0.1
  HttpClient client(options);
  auto result = client.send({.url = url_on("images.test", server, "/a.jpg")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::address_refused);
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(server.connections(), 0);
}

TEST(HttpClient, RefusesTheCloudMetadataAddress) {
  HttpClient client(loopback_options({"169.254.169.254"}, /*allow_private=*/false));
  auto result = client.send({.url = "http://169.254.169.254/latest/meta-data/"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::address_refused);
}

TEST(HttpClient, NamesTheRangeOfAPinnedNameRefusedAtConnectTime) {
  ScriptedServer server(ok_handler);
  auto options = loopback_options({"images.test"}, /*allow_private=*/false);
  options.resolve = {"images.test:" + std::to_string(server.port()) + ":198.18.0.1"};
  HttpClient client(options);
  auto result = client.send({.url = url_on("images.test", server, "/a.jpg")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::address_refused);
  EXPECT_NE(result.error().message.find("198.18.0.1, in a refused range (Benchmarking)"),
            std::string::npos)
      << result.error().message;
}

TEST(HttpClient, ConnectsToAnAnyAddressOriginButNotToAnotherPortOfTheSameHost) {
  ScriptedServer api(ok_handler);
  ScriptedServer other(ok_handler);
  auto options = loopback_options({"127.0.0.1"}, /*allow_private=*/false);
  options.rules = HostRules({"127.0.0.1"}, false,
                            {TrustedOrigin{Url::parse(api.url()).value().origin(), true}});
  HttpClient client(options);
  auto allowed = client.send({.url = api.url("/x")});
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  auto refused = client.send({.url = other.url("/x")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, TransportError::Kind::address_refused);
  EXPECT_EQ(other.connections(), 0);
}

class RefusedSchemeRedirect : public ::testing::TestWithParam<const char*> {};

TEST_P(RefusedSchemeRedirect, NamesTheScheme) {
  const std::string location = GetParam();
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(302, "", {{"Location", location}}));
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = server.url("/a")});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::bad_redirect);
  const std::string scheme = location.substr(0, location.find(':'));
  EXPECT_NE(result.error().message.find("to refused scheme " + scheme), std::string::npos)
      << result.error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Schemes, RefusedSchemeRedirect,
                         ::testing::Values("gopher://127.0.0.1:6379/_INFO", "file:///etc/passwd",
                                           "ftp://127.0.0.1/x", "dict://127.0.0.1:11211/stat"));

TEST(HttpClient, SaysARedirectHasNoLocation) {
  ScriptedServer server(
      [](const RecordedRequest&, ScriptedConnection& c) { c.write(ScriptedServer::reply(301)); });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = server.url("/a")});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("without a Location"), std::string::npos)
      << result.error().message;
}

// Announces 1 MiB, then sends 200 bytes every 100 ms (2 KiB/s: above libcurl's low-speed cut).
void drip_handler(const RecordedRequest&, ScriptedConnection& c) {
  if (!c.write("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n")) return;
  const std::string chunk(200, 'x');
  const auto stop = std::chrono::steady_clock::now() + 8s;
  while (std::chrono::steady_clock::now() < stop && c.write(chunk)) {
    std::this_thread::sleep_for(100ms);
  }
  c.close_after();
}

TEST(HttpClient, AbortsADownloadUnderTheFloorOnceTheGracePeriodIsOver) {
  ScriptedServer server(drip_handler);
  HttpClient client(loopback_options({"127.0.0.1"}));
  const auto start = std::chrono::steady_clock::now();
  auto result =
      client.send({.url = server.url("/drip"), .min_download_rate = 64 * 1024, .slow_grace = 1s});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::timeout);
  EXPECT_NE(result.error().message.find("too slow"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("under the floor of 65536 bytes/s"), std::string::npos)
      << result.error().message;
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 4s);  // the transfer timeout is 10 s and the drip would take 8 min
}

TEST(HttpClient, TheDownloadFloorLeavesAFastTransferAlone) {
  const std::string body(1 << 20, 'y');
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(200, body));
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result =
      client.send({.url = server.url("/fast"), .min_download_rate = 64 * 1024, .slow_grace = 1s});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.response().body.size(), body.size());
}

TEST(HttpClient, TimesOutOnAServerThatNeverAnswers) {
  ScriptedServer server(
      [](const RecordedRequest&, ScriptedConnection&) { std::this_thread::sleep_for(1500ms); });
  HttpClient client(loopback_options({"127.0.0.1"}));
  const auto start = std::chrono::steady_clock::now();
  auto result = client.send({.url = server.url("/slow"), .timeout = 300ms});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::timeout);
  EXPECT_LT(took, 1200ms);
}

TEST(HttpClient, ReportsARefusedConnectionAsAConnectError) {
  int port = 0;
  {
    ScriptedServer gone(ok_handler);
    port = gone.port();
  }
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result = client.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, TransportError::Kind::connect);
}

TEST(HttpClient, ReusesOneConnectionForSequentialRequests) {
  ScriptedServer server(ok_handler);
  HttpClient client(loopback_options({"127.0.0.1"}));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.send({.url = server.url("/x")}).ok());
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client.stats().requests, 5u);
  EXPECT_EQ(client.stats().connections_opened, 1u);
}

TEST(HttpClient, ErrorTextsShowUrlsWithoutTheirQueryString) {
  ScriptedServer server([](const RecordedRequest&, ScriptedConnection& c) {
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    c.close_after();
  });
  HttpClient client(loopback_options({"127.0.0.1"}));
  auto result =
      client.send({.url = server.url("/o?X-Amz-Signature=topsecret"), .max_response_bytes = 10});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.find("topsecret"), std::string::npos);
}

}  // namespace
}  // namespace patchq::net
