// The image fetch path (V7Client::fetch_image, what a worker runs for every job) against real
// loopback servers playing V7's API and storage hosts, with names pinned the way DNS would
// answer (CURLOPT_RESOLVE): presigned storage URLs work with no host flag, an explicit list
// narrows, the API key stays on the API origin, {"urls": [...]} answers are followed under the
// same rules, slow downloads end early, and, with --allow-private-hosts off and only the API
// origin exempt, image URLs, redirects and listed URLs into every refused range are refused
// before any connection is made.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "common/net/special_addresses.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;
using patchq::testing::RecordedRequest;
using patchq::testing::ScriptedConnection;
using patchq::testing::ScriptedServer;

constexpr const char* kKey = "image-rules-key-7f3a9c";
const std::string kImage = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(4000, 'p');

// A loopback server answering by path (query ignored); unknown paths get 404.
class Origin {
 public:
  using Route = std::function<std::string(const RecordedRequest&)>;
  Origin()
      : server_([this](const RecordedRequest& r, ScriptedConnection& c) {
          Route route;
          {
            std::lock_guard lock(mutex_);
            const auto it = routes_.find(r.target.substr(0, r.target.find('?')));
            if (it != routes_.end()) route = it->second;
          }
          c.write(route ? route(r) : ScriptedServer::reply(404, "no route"));
        }) {}
  void on(const std::string& path, Route route) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(route);
  }
  void answer(const std::string& path, std::string raw_reply) {
    on(path, [raw_reply](const RecordedRequest&) { return raw_reply; });
  }
  void redirect(const std::string& path, const std::string& location, int status = 302) {
    answer(path, ScriptedServer::reply(status, "", {{"Location", location}}));
  }
  int port() const { return server_.port(); }
  std::string url(const std::string& target) const { return server_.url(target); }
  // "http://<host>:<port><target>", the host being a name pinned to this server.
  std::string named(const std::string& host, const std::string& target) const {
    return "http://" + host + ":" + std::to_string(port()) + target;
  }
  std::string pin(const std::string& host) const {
    return host + ":" + std::to_string(port()) + ":127.0.0.1";
  }
  int connections() const { return server_.connections(); }
  std::vector<RecordedRequest> requests() const { return server_.requests(); }

 private:
  std::mutex mutex_;
  std::map<std::string, Route> routes_;
  ScriptedServer server_;
};

std::string image_reply() {
  return ScriptedServer::reply(200, kImage, {{"Content-Type", "image/png"}});
}
std::string json_reply(const std::string& body) {
  return ScriptedServer::reply(200, body, {{"Content-Type", "application/json; charset=utf-8"}});
}

// --allow-private-hosts off; the fake API (on 127.0.0.1) exempt by origin alone.
V7ClientConfig config_for(const Origin& api) {
  V7ClientConfig c;
  c.api_url = api.url("");
  c.api_key = kKey;
  c.allow_private_hosts = false;
  c.allow_private_v7_api = true;
  c.quick_tries = 1;
  c.connect_timeout = 2s;
  c.transfer_timeout = 10s;
  return c;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ImageUrlRules, TheLoopbackApiOriginAloneIsAllowedWithPrivateHostsOff) {
  Origin api;
  api.answer("/api/v2/teams/t/items/1/files/content", image_reply());
  V7Client client(config_for(api), nullptr);
  auto bytes = client.fetch_image(api.url("/api/v2/teams/t/items/1/files/content"));
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(*bytes, kImage);
  ASSERT_EQ(api.requests().size(), 1u);
  EXPECT_EQ(api.requests()[0].headers["authorization"], std::string("ApiKey ") + kKey);
}

TEST(ImageUrlRules, WithoutTheApiExemptionTheLoopbackApiIsRefused) {
  Origin api;
  api.answer("/api/img", image_reply());
  auto config = config_for(api);
  config.allow_private_v7_api = false;
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(api.url("/api/img"));
  ASSERT_FALSE(bytes);
  EXPECT_FALSE(bytes.error().retryable());
  EXPECT_TRUE(has(bytes.error().reason, "Loopback")) << bytes.error().reason;
  EXPECT_TRUE(has(bytes.error().reason, "--allow-private-v7-api")) << bytes.error().reason;
  EXPECT_EQ(api.connections(), 0);
}

// Another port on the API's host is another server (Redis, say): refused by name, also with
// --allow-private-hosts on, and never connected to.
TEST(ImageUrlRules, AnotherPortOnTheApiHostIsNotTheApi) {
  Origin api;
  Origin other;
  other.answer("/", image_reply());
  for (const bool allow_private : {false, true}) {
    auto config = config_for(api);
    config.allow_private_hosts = allow_private;
    V7Client client(config, nullptr);
    auto bytes = client.fetch_image(other.url("/"));
    ASSERT_FALSE(bytes) << "allow_private " << allow_private;
    EXPECT_TRUE(has(bytes.error().reason, "is not an allowed host")) << bytes.error().reason;
  }
  EXPECT_EQ(other.connections(), 0);
}

TEST(ImageUrlRules, PresignedStorageUrlsWorkWithNoHostFlag) {
  Origin api;
  Origin storage;
  storage.answer("/key.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;  // the storage stand-in is on loopback
  const std::vector<std::string> hosts = {
      "bucket.s3.amazonaws.com",    "bucket.s3.eu-west-1.amazonaws.com",
      "s3.eu-west-1.amazonaws.com", "bucket.s3-us-west-2.amazonaws.com",
      "storage.googleapis.com",     "bucket.storage.googleapis.com",
      "acct.blob.core.windows.net"};
  for (const auto& host : hosts) config.resolve.push_back(storage.pin(host));
  V7Client client(config, nullptr);
  for (const auto& host : hosts) {
    auto bytes = client.fetch_image(storage.named(host, "/key.png?X-Amz-Signature=abc&sig=def"));
    ASSERT_TRUE(bytes) << host << ": " << bytes.error().reason;
    EXPECT_EQ(*bytes, kImage) << host;
  }
  for (const auto& r : storage.requests()) EXPECT_EQ(r.headers.count("authorization"), 0u);
}

TEST(ImageUrlRules, AnS3RegionRedirectIsFollowed) {
  Origin api;
  Origin storage;
  storage.on("/old/key.png", [&](const RecordedRequest& r) {
    return ScriptedServer::reply(
        307, "",
        {{"Location", storage.named("bucket.s3.eu-west-1.amazonaws.com", "/key.png") +
                          r.target.substr(r.target.find('?'))}});
  });
  storage.answer("/key.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.resolve = {storage.pin("bucket.s3.amazonaws.com"),
                    storage.pin("bucket.s3.eu-west-1.amazonaws.com")};
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(
      storage.named("bucket.s3.amazonaws.com", "/old/key.png?X-Amz-Signature=1"));
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(*bytes, kImage);
  ASSERT_EQ(storage.requests().size(), 2u);
  EXPECT_EQ(storage.requests()[1].target, "/key.png?X-Amz-Signature=1");
}

TEST(ImageUrlRules, AnExplicitHostListNarrowsWhatIsAllowed) {
  Origin api;
  Origin storage;
  storage.answer("/key.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.allowed_image_hosts = "cdn.test";
  config.resolve = {storage.pin("bucket.s3.amazonaws.com"), storage.pin("cdn.test")};
  V7Client client(config, nullptr);
  auto s3 = client.fetch_image(storage.named("bucket.s3.amazonaws.com", "/key.png"));
  ASSERT_FALSE(s3);
  EXPECT_TRUE(has(s3.error().reason, "is not an allowed host")) << s3.error().reason;
  auto cdn = client.fetch_image(storage.named("cdn.test", "/key.png"));
  ASSERT_TRUE(cdn) << cdn.error().reason;
  EXPECT_EQ(storage.requests().size(), 1u);
}

TEST(ImageUrlRules, TheApiKeyNeverReachesTheStorageHostTheApiRedirectsTo) {
  Origin api;
  Origin storage;
  api.redirect("/api/v2/teams/t/items/1/content",
               storage.named("bucket.s3.amazonaws.com", "/key.png?sig=1"));
  storage.answer("/key.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.allowed_image_hosts = "cdn.test";  // storage is allowed as the API's redirect only
  config.resolve = {storage.pin("bucket.s3.amazonaws.com")};
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(api.url("/api/v2/teams/t/items/1/content"));
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(api.requests().at(0).headers["authorization"], std::string("ApiKey ") + kKey);
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_EQ(storage.requests()[0].headers.count("authorization"), 0u);
}

TEST(ImageUrlRules, AUrlListAnsweredByTheApiIsFollowedWithoutTheKey) {
  Origin api;
  Origin storage;
  api.answer("/api/files/1", json_reply(R"({"urls": [")" +
                                        storage.named("part.example", "/p.png?sig=2") + R"("]})"));
  storage.answer("/p.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.resolve = {storage.pin("part.example")};  // on no list: trusted as V7's own answer
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(api.url("/api/files/1"));
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(*bytes, kImage);
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_EQ(storage.requests()[0].headers.count("authorization"), 0u);
}

struct ListCase {
  const char* name;
  std::string body;      // the JSON answer
  const char* expected;  // part of the reason
};

TEST(ImageUrlRules, UrlListsThatCannotBeFollowedArePermanentWithTheirReason) {
  Origin api;
  Origin storage;
  storage.answer("/p.png", image_reply());
  storage.answer("/again", json_reply(R"({"urls": ["http://x.test/"]})"));
  const std::string part = storage.named("part.example", "/p.png");
  const std::string again = storage.named("part.example", "/again");
  const std::vector<ListCase> cases = {
      {"two", R"({"urls": [")" + part + R"(", ")" + part + R"("]})", "lists 2 files"},
      {"empty", R"({"urls": []})", "\"urls\" is empty"},
      {"shape", R"({"url": "x"})", "no \"urls\" array"},
      {"not-strings", R"({"urls": [1]})", "not a string"},
      {"big", R"({"urls": [")" + part + R"("], "pad": ")" + std::string(70000, 'x') + "\"}",
       "over the 65536-byte limit"},
      {"again", R"({"urls": [")" + again + R"("]})", "answered JSON again"},
      {"scheme", R"({"urls": ["file:///etc/passwd"]})", "refused scheme file"},
  };
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.resolve = {storage.pin("part.example")};
  V7Client client(config, nullptr);
  for (const auto& c : cases) {
    api.answer(std::string("/api/") + c.name, json_reply(c.body));
    auto bytes = client.fetch_image(api.url(std::string("/api/") + c.name));
    ASSERT_FALSE(bytes) << c.name;
    EXPECT_FALSE(bytes.error().retryable()) << c.name;
    EXPECT_TRUE(has(bytes.error().reason, c.expected)) << c.name << ": " << bytes.error().reason;
  }
}

TEST(ImageUrlRules, AUrlListFromAStorageHostIsHeldToTheNameRules) {
  Origin api;
  Origin storage;
  storage.answer(
      "/list", json_reply(R"({"urls": [")" + storage.named("elsewhere.test", "/p.png") + R"("]})"));
  storage.answer("/p.png", image_reply());
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.resolve = {storage.pin("bucket.s3.amazonaws.com"), storage.pin("elsewhere.test")};
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(storage.named("bucket.s3.amazonaws.com", "/list"));
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(has(bytes.error().reason, "elsewhere.test is not an allowed host"))
      << bytes.error().reason;
  EXPECT_EQ(storage.requests().size(), 1u);
}

TEST(ImageUrlRules, AStorageHostDrippingBytesFailsFastAndRetryably) {
  Origin api;
  ScriptedServer drip([](const RecordedRequest&, ScriptedConnection& c) {
    if (!c.write("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n")) return;
    const std::string chunk(200, 'x');  // 2 KiB/s
    const auto stop = std::chrono::steady_clock::now() + 8s;
    while (std::chrono::steady_clock::now() < stop && c.write(chunk)) {
      std::this_thread::sleep_for(100ms);
    }
    c.close_after();
  });
  auto config = config_for(api);
  config.allow_private_hosts = true;
  config.min_download_rate = 64 * 1024;
  config.download_grace = 1s;
  config.resolve = {"bucket.s3.amazonaws.com:" + std::to_string(drip.port()) + ":127.0.0.1"};
  V7Client client(config, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto bytes = client.fetch_image("http://bucket.s3.amazonaws.com:" + std::to_string(drip.port()) +
                                  "/slow.png");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(bytes.error().retryable());
  EXPECT_TRUE(has(bytes.error().reason, "too slow")) << bytes.error().reason;
  EXPECT_LT(took, 4s);  // the transfer timeout is 10 s
}

// --- every refused range, with --allow-private-hosts off ---------------------------------

struct RefusedAddress {
  std::string text;   // an address in the range
  std::string range;  // for the test's name
};

std::string address_text(const std::uint8_t* bytes, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf);
  return buf;
}

// One address inside each refused range of both tables (the prefix with its last byte set to 5
// where the prefix leaves room), plus each embedding prefix carrying 127.0.0.1.
std::vector<RefusedAddress> refused_addresses() {
  std::vector<RefusedAddress> out;
  for (const bool v6 : {false, true}) {
    const int size = v6 ? 16 : 4;
    for (const auto& r : v6 ? net::ipv6_special_ranges() : net::ipv4_special_ranges()) {
      if (r.verdict != net::RangeVerdict::refused) continue;
      std::uint8_t bytes[16];
      std::copy(r.bytes, r.bytes + 16, bytes);
      if (r.bits <= size * 8 - 8) bytes[size - 1] = 5;
      out.push_back(
          {address_text(bytes, v6),
           std::string(r.name) + " " + address_text(r.bytes, v6) + "/" + std::to_string(r.bits)});
    }
  }
  for (const char* embedded :
       {"::ffff:127.0.0.1", "64:ff9b::127.0.0.1", "2002:7f00:1::1", "2001:0:7f00:1::"}) {
    out.push_back({embedded, std::string("embedded ") + embedded});
  }
  return out;
}

std::string in_url(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

TEST(ImageUrlRulesEveryRange, ImageUrlsRedirectsAndListedUrlsAreRefusedBeforeConnecting) {
  Origin api;
  Origin target;  // 127.0.0.1: the one refused range a test can really listen in
  target.answer("/x", image_reply());
  const std::string port = std::to_string(target.port());
  const auto addresses = refused_addresses();
  ASSERT_GT(addresses.size(), 30u);
  int checked = 0;
  for (const auto& a : addresses) {
    SCOPED_TRACE(a.range + " (" + a.text + ")");
    ASSERT_TRUE(net::judge_ip_literal(a.text).refused);
    const std::string literal_url = "http://" + in_url(a.text) + ":" + port + "/x";
    const std::string pinned_host = "bucket.s3.eu-west-1.amazonaws.com";
    const std::string pinned_url = "http://" + pinned_host + ":" + port + "/x";
    auto config = config_for(api);
    config.allowed_image_hosts =
        "@cloud-storage," + a.text;  // allowed by name: the address decides
    config.resolve = {pinned_host + ":" + port + ":" + in_url(a.text)};
    V7Client client(config, nullptr);
    api.redirect("/api/literal", literal_url);
    api.redirect("/api/pinned", pinned_url);
    api.answer("/api/list", json_reply(R"({"urls": [")" + literal_url + R"("]})"));
    const std::vector<std::pair<std::string, std::string>> paths = {
        {"image URL", literal_url},
        {"image URL by name", pinned_url},
        {"API redirect", api.url("/api/literal")},
        {"API redirect to a name", api.url("/api/pinned")},
        {"URL listed by the API", api.url("/api/list")},
    };
    for (const auto& [how, url] : paths) {
      auto bytes = client.fetch_image(url);
      ASSERT_FALSE(bytes) << how;
      EXPECT_FALSE(bytes.error().retryable()) << how << ": " << bytes.error().reason;
      EXPECT_TRUE(has(bytes.error().reason, "refused range"))
          << how << ": " << bytes.error().reason;
      EXPECT_FALSE(has(bytes.error().reason, "connect error")) << how;
      ++checked;
    }
  }
  EXPECT_EQ(target.connections(), 0);
  EXPECT_EQ(checked, static_cast<int>(addresses.size() * 5));
}

}  // namespace
}  // namespace patchq::v7
