// patchq-v7sim's files: webhook payloads for added images, downloads through a 302 to a
// signed storage URL, the three-step upload, direct_upload, and duplicate registration.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "common/codec/base64.hpp"
#include "common/codec/sha256.hpp"
#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::v7sim::testing {
namespace {

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

std::string register_body(const std::string& dataset, const std::string& name) {
  return R"({"items":[{"name":")" + name + R"(","path":"/","slots":[{"file_name":")" + name +
         R"(","slot_name":"0"}]}],"dataset_slug":")" + dataset +
         R"(","options":{"handle_as_slices":false}})";
}

std::string team_path(const std::string& rest) {
  return "/api/v2/teams/sim-team" + rest;
}

TEST(V7SimFiles, AddedImageGetsTheDarwinJson2Payload) {
  SimProcess sim;
  const auto reply =
      sim.call("POST", "/_sim/datasets/street-scenes/images?name=cars.png", make_png(64, 48));
  ASSERT_EQ(reply.status, 201) << reply.body;
  const JsonView p(reply.body);
  // Every field the fixture tests/data/v7/webhook_v2.json has that patchq reads.
  const JsonView fixture(
      patchq::testing::read_file(patchq::testing::source_path("tests/data/v7/webhook_v2.json")));
  EXPECT_EQ(p.str("version"), fixture.str("version"));
  EXPECT_EQ(p.str("item.name"), "cars.png");
  EXPECT_EQ(p.str("item.path"), "/");
  EXPECT_TRUE(std::regex_match(p.str("item.source_info.item_id"), kUuid));
  EXPECT_EQ(p.str("item.source_info.team.slug"), "sim-team");
  EXPECT_EQ(p.str("item.source_info.dataset.slug"), "street-scenes");
  EXPECT_TRUE(p.has("item.source_info.dataset.dataset_management_url"));
  EXPECT_EQ(p.size("item.slots"), 1u);
  EXPECT_EQ(p.str("item.slots.0.type"), "image");
  EXPECT_EQ(p.str("item.slots.0.slot_name"), "0");
  EXPECT_EQ(p.num("item.slots.0.width"), 64);
  EXPECT_EQ(p.num("item.slots.0.height"), 48);
  EXPECT_EQ(p.str("item.slots.0.source_files.0.file_name"), "cars.png");
  const std::string url = p.str("item.slots.0.source_files.0.url");
  EXPECT_TRUE(url.starts_with(sim.base_url() + "/api/v2/teams/sim-team/uploads/")) << url;
  EXPECT_EQ(p.size("annotations"), 0u);
}

TEST(V7SimFiles, AddedJpegReportsItsHeaderSize) {
  SimProcess sim;
  cv::Mat image(37, 53, CV_8UC3, cv::Scalar(10, 20, 30));
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", image, jpeg);
  const auto reply =
      sim.call("POST", "/_sim/datasets/d/images?name=a.jpg", std::string(jpeg.begin(), jpeg.end()));
  ASSERT_EQ(reply.status, 201);
  EXPECT_EQ(JsonView(reply.body).num("item.slots.0.width"), 53);
  EXPECT_EQ(JsonView(reply.body).num("item.slots.0.height"), 37);
}

TEST(V7SimFiles, AddingSomethingThatIsNotAnImageIs415) {
  SimProcess sim;
  EXPECT_EQ(sim.call("POST", "/_sim/datasets/d/images?name=a.png", "hello").status, 415);
}

TEST(V7SimFiles, DownloadRedirectsToASignedStorageUrlThatNeedsNoKey) {
  SimProcess sim;
  const std::string png = make_png(20, 10);
  const JsonView p(sim.call("POST", "/_sim/datasets/d/images?name=a.png", png).body);
  const auto redirect = sim.call_url("GET", p.str("item.slots.0.source_files.0.url"), "",
                                     {{"Authorization", "ApiKey sim-test-key"}});
  ASSERT_EQ(redirect.status, 302);
  const std::string location = redirect.headers.at("location");
  EXPECT_NE(location.find("/_storage/"), std::string::npos);
  EXPECT_NE(location.find("token="), std::string::npos);

  const auto file = sim.call_url("GET", location);  // no Authorization header
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, png);
  EXPECT_EQ(file.headers.at("content-type"), "image/png");
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/stats").body).num("storage_auth_headers_seen"), 0);
}

TEST(V7SimFiles, StorageRefusesABadToken) {
  SimProcess sim;
  const JsonView p(sim.call("POST", "/_sim/datasets/d/images?name=a.png", make_png(8, 8)).body);
  const auto redirect = sim.call_url("GET", p.str("item.slots.0.source_files.0.url"), "",
                                     {{"Authorization", "ApiKey sim-test-key"}});
  std::string location = redirect.headers.at("location");
  std::string tampered = location;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(sim.call_url("GET", tampered).status, 403);
  EXPECT_EQ(sim.call_url("GET", location.substr(0, location.find('?'))).status, 403);
}

TEST(V7SimFiles, AnAuthorizationHeaderAtStorageIsCounted) {
  SimProcess sim;
  const JsonView p(sim.call("POST", "/_sim/datasets/d/images?name=a.png", make_png(8, 8)).body);
  const auto redirect = sim.call_url("GET", p.str("item.slots.0.source_files.0.url"), "",
                                     {{"Authorization", "ApiKey sim-test-key"}});
  // A client that leaks its key to storage: the download still works, but it shows.
  EXPECT_EQ(sim.call_url("GET", redirect.headers.at("location"), "",
                         {{"Authorization", "ApiKey sim-test-key"}})
                .status,
            200);
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/stats").body).num("storage_auth_headers_seen"), 1);
}

TEST(V7SimFiles, DownloadWithoutTheKeyIs401) {
  SimProcess sim;
  const JsonView p(sim.call("POST", "/_sim/datasets/d/images?name=a.png", make_png(8, 8)).body);
  EXPECT_EQ(sim.call_url("GET", p.str("item.slots.0.source_files.0.url")).status, 401);
}

TEST(V7SimFiles, ThreeStepUploadListsTheItemOnlyAfterConfirm) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const auto registered =
      sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "t_r0c0.png"));
  ASSERT_EQ(registered.status, 200) << registered.body;
  const JsonView r(registered.body);
  EXPECT_EQ(r.size("blocked_items"), 0u);
  EXPECT_EQ(r.str("items.0.name"), "t_r0c0.png");
  const std::string upload_id = r.str("items.0.slots.0.upload_id");

  const auto signed_url = sim.api("GET", team_path("/items/uploads/" + upload_id + "/sign"));
  ASSERT_EQ(signed_url.status, 200);
  const std::string upload_url = JsonView(signed_url.body).str("upload_url");
  // An upload token opens the upload only, not the download of the same id.
  const std::string token = upload_url.substr(upload_url.find("?token="));
  EXPECT_EQ(sim.call("GET", "/_storage/files/" + upload_id + token).status, 403);
  const std::string png = make_png(30, 20);
  ASSERT_EQ(sim.call_url("PUT", upload_url, png).status, 200);
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/datasets/tiles/items").body).size("items"), 0u);

  ASSERT_EQ(sim.api("POST", team_path("/items/uploads/" + upload_id + "/confirm"), "{}").status,
            200);
  const JsonView listed(sim.call("GET", "/_sim/datasets/tiles/items").body);
  ASSERT_EQ(listed.size("items"), 1u);
  EXPECT_EQ(listed.str("items.0.name"), "t_r0c0.png");
  EXPECT_EQ(listed.str("items.0.path"), "/");
  EXPECT_EQ(listed.num("items.0.bytes"), static_cast<std::int64_t>(png.size()));
  EXPECT_EQ(listed.str("items.0.sha256"), codec::sha256_hex(png));
  EXPECT_EQ(listed.num("items.0.width"), 30);
  EXPECT_EQ(sim.call("GET", "/_sim/datasets/tiles/items/t_r0c0.png/file").body, png);
  EXPECT_EQ(JsonView(sim.call("GET", "/_sim/stats").body).num("storage_auth_headers_seen"), 0);
}

TEST(V7SimFiles, ConfirmBeforeThePutIsRefusedAndConfirmTwiceIsFine) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const JsonView r(
      sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "x.png")).body);
  const std::string upload_id = r.str("items.0.slots.0.upload_id");
  const std::string confirm = team_path("/items/uploads/" + upload_id + "/confirm");
  const auto early = sim.api("POST", confirm, "{}");
  EXPECT_EQ(early.status, 422);
  EXPECT_EQ(JsonView(early.body).str("errors.code"), "UPLOAD_NOT_UPLOADED");

  const std::string url =
      JsonView(sim.api("GET", team_path("/items/uploads/" + upload_id + "/sign")).body)
          .str("upload_url");
  ASSERT_EQ(sim.call_url("PUT", url, make_png(4, 4)).status, 200);
  EXPECT_EQ(sim.api("POST", confirm, "{}").status, 200);
  EXPECT_EQ(sim.api("POST", confirm, "{}").status, 200);            // a retried confirm succeeds
  EXPECT_EQ(sim.call_url("PUT", url, make_png(4, 4)).status, 409);  // no change after confirm
}

// --resign-confirmed: V7 does not say how it answers a second sign of a confirmed upload, so
// the stand-in models both: refuse (409, the default) and sign (a URL whose PUT overwrites).
TEST(V7SimFiles, ASecondSignOfAConfirmedUploadIsRefusedOrSignedAsConfigured) {
  for (const std::string mode : {"refuse", "sign"}) {
    SimProcess sim(with_args({"--resign-confirmed=" + mode}));
    ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
    const JsonView r(
        sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "x.png")).body);
    const std::string upload_id = r.str("items.0.slots.0.upload_id");
    const std::string sign = team_path("/items/uploads/" + upload_id + "/sign");
    const std::string url = JsonView(sim.api("GET", sign).body).str("upload_url");
    const std::string first = make_png(4, 4);
    ASSERT_EQ(sim.call_url("PUT", url, first).status, 200);
    ASSERT_EQ(sim.api("POST", team_path("/items/uploads/" + upload_id + "/confirm"), "{}").status,
              200);
    const auto again = sim.api("GET", sign);
    const std::string other = make_png(6, 6);
    if (mode == "refuse") {
      EXPECT_EQ(again.status, 409) << mode;
      EXPECT_EQ(JsonView(again.body).str("errors.code"), "ALREADY_CONFIRMED");
      EXPECT_EQ(sim.call_url("PUT", url, other).status, 409);
      EXPECT_EQ(sim.call("GET", "/_sim/datasets/tiles/items/x.png/file").body, first);
    } else {
      ASSERT_EQ(again.status, 200) << mode;
      const std::string second_url = JsonView(again.body).str("upload_url");
      EXPECT_EQ(sim.call_url("PUT", second_url, other).status, 200);
      EXPECT_EQ(sim.call("GET", "/_sim/datasets/tiles/items/x.png/file").body, other);
      EXPECT_EQ(JsonView(sim.call("GET", "/_sim/datasets/tiles/items").body).size("items"), 1u);
    }
  }
}

TEST(V7SimFiles, UploadUrlRefusesABadToken) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const JsonView r(
      sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "x.png")).body);
  const std::string upload_id = r.str("items.0.slots.0.upload_id");
  EXPECT_EQ(sim.call("PUT", "/_storage/upload/" + upload_id + "?token=1.abc", "bytes").status, 403);
}

TEST(V7SimFiles, DirectUploadListsTheItemAtOnce) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const std::string png = make_png(16, 12);
  const std::string b64 = codec::base64_encode(png);
  const std::string body =
      R"({"items":[{"name":"d.png","path":"/","slots":[{"file_name":"d.png","slot_name":"0","file_content":")" +
      b64 + R"("}]}],"dataset_slug":"tiles","options":{"handle_as_slices":false}})";
  const auto reply = sim.api("POST", team_path("/items/direct_upload"), body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(JsonView(reply.body).str("items.0.name"), "d.png");
  const JsonView listed(sim.call("GET", "/_sim/datasets/tiles/items").body);
  ASSERT_EQ(listed.size("items"), 1u);
  EXPECT_EQ(listed.str("items.0.sha256"), codec::sha256_hex(png));
  EXPECT_EQ(listed.num("items.0.bytes"), static_cast<std::int64_t>(png.size()));
  // The same name again is blocked, as in register_upload.
  const auto again = sim.api("POST", team_path("/items/direct_upload"), body);
  EXPECT_EQ(JsonView(again.body).str("blocked_items.0.slots.0.reason"), "ALREADY_EXISTS");
}

TEST(V7SimFiles, DuplicateRegisterIsBlockedAsAlreadyExists) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const JsonView first(
      sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "t.png")).body);
  const auto second =
      sim.api("POST", team_path("/items/register_upload"), register_body("tiles", "t.png"));
  ASSERT_EQ(second.status, 200);
  const JsonView s(second.body);
  EXPECT_EQ(s.size("items"), 0u);
  ASSERT_EQ(s.size("blocked_items"), 1u);
  EXPECT_EQ(s.str("blocked_items.0.name"), "t.png");
  EXPECT_EQ(s.str("blocked_items.0.slots.0.reason"), "ALREADY_EXISTS");
  EXPECT_EQ(s.str("blocked_items.0.id"), first.str("items.0.id"));
}

}  // namespace
}  // namespace patchq::v7sim::testing
