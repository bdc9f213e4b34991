// V7Client against the V7 stand-in: image fetch (redirect, key kept from storage, size cap,
// address rules), team and target resolution, and how failures are classified.
#include "common/v7/v7_client.hpp"

#include <gtest/gtest.h>

#include "tests/integration/v7client/v7_sim.hpp"

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;
using testing::V7Sim;

TEST(V7ClientFetch, FollowsTheRedirectToStorageWithoutSendingItTheKey) {
  V7Sim sim;
  const std::string image = testing::noise_png(64, 48);
  const std::string url = sim.add_image("source", "cars.png", image);
  V7Client client(sim.client_config(), nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(*bytes, image);
  EXPECT_EQ(sim.count("download", "302"), 1);
  EXPECT_EQ(sim.count("storage_get", "200"), 1);
  EXPECT_EQ(sim.storage_auth_headers_seen(), 0);
}

TEST(V7ClientFetch, AbortsAnImageOverTheSizeLimitAsPermanent) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "big.png", testing::noise_png(512, 512));
  auto config = sim.client_config();
  config.max_image_bytes = 64 * 1024;  // the image is ~770 KiB
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_FALSE(bytes);
  EXPECT_FALSE(bytes.error().retryable());
  EXPECT_NE(bytes.error().reason.find("larger than 65536"), std::string::npos)
      << bytes.error().reason;
  EXPECT_EQ(sim.count("storage_get"), 1);  // one try: retrying cannot shrink the image
}

TEST(V7ClientFetch, RefusesTheLoopbackSimulatorUnlessPrivateHostsAreAllowed) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "cars.png", testing::noise_png(8, 8));
  auto config = sim.client_config();
  config.allow_private_hosts = false;
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_FALSE(bytes);
  EXPECT_FALSE(bytes.error().retryable());
  EXPECT_NE(bytes.error().reason.find("private"), std::string::npos) << bytes.error().reason;
  EXPECT_EQ(sim.requests_total(), 0);
}

TEST(V7ClientFetch, RefusesAnImageHostThatIsNotAllowed) {
  V7Sim sim;
  V7Client client(sim.client_config(), nullptr);
  auto bytes = client.fetch_image("http://images.example.invalid/a.png");
  ASSERT_FALSE(bytes);
  EXPECT_FALSE(bytes.error().retryable());
  EXPECT_NE(bytes.error().reason.find("not an allowed host"), std::string::npos);
}

TEST(V7ClientFetch, RetriesATransientStorageFailureInsideTheClient) {
  V7Sim sim;
  const std::string image = testing::noise_png(16, 16);
  const std::string url = sim.add_image("source", "cars.png", image);
  sim.set_fault(R"({"endpoint": "storage_get", "fail_next": 1, "reset": true})");
  V7Client client(sim.client_config(), nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_TRUE(bytes) << bytes.error().reason;
  EXPECT_EQ(*bytes, image);
  EXPECT_EQ(sim.count("storage_get", "reset"), 1);
}

TEST(V7ClientErrors, WrongKeyIsPermanent401AndTheKeyNeverAppearsInTheReason) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "cars.png", testing::noise_png(8, 8));
  auto config = sim.client_config();
  config.api_key = "wrong-key-zyxwvu";
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_FALSE(bytes);
  EXPECT_FALSE(bytes.error().retryable());
  EXPECT_EQ(bytes.error().http_status, 401);
  EXPECT_EQ(bytes.error().reason.find("wrong-key-zyxwvu"), std::string::npos);
  EXPECT_EQ(sim.count("download"), 1);
}

TEST(V7ClientErrors, PersistentServerErrorsEndRetryableAfterTheQuickTries) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "cars.png", testing::noise_png(8, 8));
  sim.set_fault(R"({"endpoint": "download", "fail_next": 10, "status": 503})");
  V7Client client(sim.client_config(), nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(bytes.error().retryable());
  EXPECT_EQ(bytes.error().http_status, 503);
  EXPECT_EQ(sim.count("download", "503"), 3);  // quick_tries
}

TEST(V7ClientErrors, ALongRetryAfterIsHandedUpwardAtOnce) {
  V7Sim sim;
  const std::string url = sim.add_image("source", "cars.png", testing::noise_png(8, 8));
  sim.set_fault(R"({"endpoint": "download", "fail_next": 10, "status": 429, "retry_after_s": 30})");
  V7Client client(sim.client_config(), nullptr);
  auto bytes = client.fetch_image(url);
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(bytes.error().retryable());
  EXPECT_EQ(bytes.error().retry_after, 30s);
  EXPECT_EQ(sim.count("download", "429"), 1);
}

TEST(V7ClientErrors, ASlowServerTimesOutAsRetryable) {
  V7Sim sim;
  sim.set_fault(R"({"endpoint": "token_info", "latency_ms": 3000})");
  auto config = sim.client_config();
  config.transfer_timeout = 300ms;
  config.quick_tries = 2;
  V7Client client(config, nullptr);
  const auto started = std::chrono::steady_clock::now();
  auto team = client.team_slug("");
  ASSERT_FALSE(team);
  EXPECT_TRUE(team.error().retryable());
  EXPECT_NE(team.error().reason.find("timeout"), std::string::npos) << team.error().reason;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
}

TEST(V7ClientErrors, ConnectionRefusedIsRetryable) {
  V7ClientConfig config;
  {
    V7Sim sim;
    config = sim.client_config();
  }  // the simulator is gone: its port refuses connections
  config.quick_tries = 1;
  V7Client client(config, nullptr);
  auto bytes = client.fetch_image(config.api_url + "/api/v2/teams/t/uploads/x");
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(bytes.error().retryable()) << bytes.error().reason;
  EXPECT_EQ(bytes.error().http_status, 0);
}

TEST(V7ClientTeam, ComesFromThePayloadOrElseFromTokenInfoOnce) {
  V7Sim sim({"--team=acme"});
  V7Client client(sim.client_config(), nullptr);
  EXPECT_EQ(*client.team_slug("from-payload"), "from-payload");
  EXPECT_EQ(*client.team_slug(""), "acme");
  EXPECT_EQ(*client.team_slug(""), "acme");
  EXPECT_EQ(sim.count("token_info"), 1);
}

TEST(V7ClientTarget, UnknownDatasetIsPermanentWithAClearReason) {
  V7Sim sim;
  V7Client client(sim.client_config(), nullptr);
  auto slug = client.ensure_target("patchq-sim", "tiles");
  ASSERT_FALSE(slug);
  EXPECT_FALSE(slug.error().retryable());
  EXPECT_NE(slug.error().reason.find("'tiles' does not exist"), std::string::npos);
  EXPECT_NE(slug.error().reason.find("--create-target"), std::string::npos);
}

TEST(V7ClientTarget, CreateTargetCreatesItOnceAndCachesIt) {
  V7Sim sim;
  auto config = sim.client_config();
  config.create_target = true;
  V7Client client(config, nullptr);
  auto slug = client.ensure_target("patchq-sim", "tiles");
  ASSERT_TRUE(slug) << slug.error().reason;
  EXPECT_EQ(*slug, "tiles");
  ASSERT_TRUE(client.ensure_target("patchq-sim", "tiles"));
  EXPECT_EQ(sim.count("datasets", "201") + sim.count("datasets", "200"), 2);  // list + create
  V7Client other(config, nullptr);
  ASSERT_TRUE(other.ensure_target("patchq-sim", "tiles"));  // found in the list this time
}

// V7 derives the slug from the name ("Street Tiles" -> "street-tiles"): a target given by name
// resolves to the slug, and uploads go there.
TEST(V7ClientTarget, ATargetNamedByItsDatasetNameResolvesToTheSlug) {
  V7Sim sim;
  auto config = sim.client_config();
  config.create_target = true;
  V7Client creator(config, nullptr);
  auto created = creator.ensure_target("patchq-sim", "Street Tiles");
  ASSERT_TRUE(created) << created.error().reason;
  EXPECT_EQ(*created, "street-tiles");  // the slug V7 made, not the name
  V7Client other(sim.client_config(), nullptr);
  auto found = other.ensure_target("patchq-sim", "Street Tiles");
  ASSERT_TRUE(found) << found.error().reason;
  EXPECT_EQ(*found, "street-tiles");
}

// A taken name (422 "has already been taken") is not reported as the slug: the caller looks the
// slug up (V7Client::ensure_target lists again), since V7's slug may differ from the name.
TEST(V7ClientTarget, ATakenNameIsNotMistakenForTheSlug) {
  V7Sim sim;
  auto config = sim.client_config();
  V7Api api(config, nullptr);
  net::HttpClient http(api.http_options());
  auto first = api.create_dataset(http, "Night Set");
  ASSERT_TRUE(first) << first.error().reason;
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, "night-set");
  auto again = api.create_dataset(http, "Night Set");
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_FALSE(again->has_value());  // taken: no slug claimed
  auto listed = api.list_datasets(http);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).name, "Night Set");
  EXPECT_EQ(listed->at(0).slug, "night-set");
}

TEST(V7ClientTarget, ExistingDatasetNeedsNoCreate) {
  V7Sim sim;
  sim.add_image("tiles", "seed.png", testing::noise_png(8, 8));
  V7Client client(sim.client_config(), nullptr);
  auto slug = client.ensure_target("patchq-sim", "tiles");
  ASSERT_TRUE(slug) << slug.error().reason;
  EXPECT_EQ(*slug, "tiles");
}

}  // namespace
}  // namespace patchq::v7
