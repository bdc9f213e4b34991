// patchq-v7sim's V7 API: keys, team, datasets, items, and the request checks V7 makes.
#include <gtest/gtest.h>

#include "tests/integration/v7sim/json_view.hpp"
#include "tests/integration/v7sim/sim_process.hpp"

namespace patchq::v7sim::testing {
namespace {

TEST(V7SimApi, WrongApiKeyGets401) {
  SimProcess sim;
  const auto reply = sim.api("GET", "/api/users/token_info", "", "not-the-key");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(JsonView(reply.body).str("errors.code"), "UNAUTHORIZED");
}

TEST(V7SimApi, MissingApiKeyGets401) {
  SimProcess sim;
  EXPECT_EQ(sim.call("GET", "/api/datasets").status, 401);
  EXPECT_EQ(sim.call("GET", "/api/datasets", "", {{"Authorization", "Bearer sim-test-key"}}).status,
            401);
}

TEST(V7SimApi, TokenInfoNamesTheTeam) {
  SimProcess sim;
  const auto reply = sim.api("GET", "/api/users/token_info");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(JsonView(reply.body).str("selected_team.slug"), "sim-team");
}

TEST(V7SimApi, DatasetIsCreatedWithAV7SlugAndListed) {
  SimProcess sim;
  const auto created = sim.api("POST", "/api/datasets", R"({"name":"Street Scenes: Tiles!"})");
  ASSERT_EQ(created.status, 200) << created.body;
  const JsonView d(created.body);
  EXPECT_EQ(d.str("slug"), "street-scenes-tiles");
  EXPECT_EQ(d.str("name"), "Street Scenes: Tiles!");
  EXPECT_GT(d.num("id"), 0);

  for (const std::string path : {"/api/datasets", "/api/datasets/"}) {
    const auto listed = sim.api("GET", path);
    ASSERT_EQ(listed.status, 200);
    const JsonView list(listed.body);
    ASSERT_EQ(list.size(""), 1u);
    EXPECT_EQ(list.str("0.slug"), "street-scenes-tiles");
    EXPECT_EQ(list.num("0.id"), d.num("id"));
  }
}

TEST(V7SimApi, TakenDatasetNameGets422LikeV7) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"tiles"})").status, 200);
  const auto again = sim.api("POST", "/api/datasets", R"({"name":"Tiles"})");
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(again.body, R"({"errors":{"name":["has already been taken"]}})");
}

TEST(V7SimApi, MalformedBodiesAre400And422) {
  SimProcess sim;
  EXPECT_EQ(sim.api("POST", "/api/datasets", "{not json").status, 400);
  EXPECT_EQ(sim.api("POST", "/api/datasets", R"({"title":"x"})").status, 422);
  const std::string base = "/api/v2/teams/sim-team/items/register_upload";
  EXPECT_EQ(sim.api("POST", base, "[1,2").status, 400);
  EXPECT_EQ(sim.api("POST", base, R"({"items":[]})").status, 422);
  EXPECT_EQ(sim.api("POST", base, R"({"dataset_slug":"x","items":[{"path":"/"}]})").status, 422);
}

TEST(V7SimApi, RegisterUploadForAnUnknownDatasetIs404) {
  SimProcess sim;
  const auto reply = sim.api(
      "POST", "/api/v2/teams/sim-team/items/register_upload",
      R"({"items":[{"name":"t.png","path":"/","slots":[{"file_name":"t.png","slot_name":"0"}]}],)"
      R"("dataset_slug":"nope","options":{"handle_as_slices":false}})");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(JsonView(reply.body).str("errors.code"), "NOT_FOUND");
}

TEST(V7SimApi, MoreThan500ItemsInOneRegisterIs422) {
  SimProcess sim;
  ASSERT_EQ(sim.api("POST", "/api/datasets", R"({"name":"big"})").status, 200);
  std::string items;
  for (int i = 0; i < 501; ++i) {
    items += (i ? "," : "") + std::string(R"({"name":"t)") + std::to_string(i) + R"(.png"})";
  }
  const auto reply = sim.api("POST", "/api/v2/teams/sim-team/items/register_upload",
                             R"({"items":[)" + items + R"(],"dataset_slug":"big"})");
  EXPECT_EQ(reply.status, 422);
}

TEST(V7SimApi, AnotherTeamInThePathIs403) {
  SimProcess sim;
  EXPECT_EQ(sim.api("GET", "/api/v2/teams/other-team/items/abc").status, 403);
}

TEST(V7SimApi, ItemIsServedWithItsSlotAndFileUrl) {
  SimProcess sim;
  const auto added = sim.call("POST", "/_sim/datasets/cars/images?name=car.png", make_png(40, 30));
  ASSERT_EQ(added.status, 201);
  const JsonView payload(added.body);
  const std::string id = payload.str("item.source_info.item_id");
  const auto reply = sim.api("GET", "/api/v2/teams/sim-team/items/" + id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const JsonView item(reply.body);
  EXPECT_EQ(item.str("id"), id);
  EXPECT_EQ(item.str("name"), "car.png");
  EXPECT_EQ(item.num("slots.0.width"), 40);
  EXPECT_EQ(item.str("slots.0.source_files.0.url"), payload.str("item.slots.0.source_files.0.url"));
  EXPECT_EQ(sim.api("GET", "/api/v2/teams/sim-team/items/unknown-id").status, 404);
}

TEST(V7SimApi, UnknownRouteIs404AndCountedAsUnmatched) {
  SimProcess sim;
  EXPECT_EQ(sim.api("GET", "/api/v2/teams/sim-team/nothing/here").status, 404);
  const JsonView stats(sim.call("GET", "/_sim/stats").body);
  EXPECT_EQ(stats.num("endpoints.unmatched.by_status.404"), 1);
}

TEST(V7SimApi, RateLimitAnswers429AfterAThousandCallsPerMinute) {
  SimProcess sim(with_args({"--enforce-rate-limit"}));
  int ok = 0;
  for (int i = 0; i < 1000; ++i) ok += sim.api("GET", "/api/users/token_info").status == 200;
  EXPECT_EQ(ok, 1000);
  const auto over = sim.api("GET", "/api/users/token_info");
  EXPECT_EQ(over.status, 429);
  ASSERT_TRUE(over.headers.contains("retry-after"));
  EXPECT_GE(std::stoi(over.headers.at("retry-after")), 1);
}

}  // namespace
}  // namespace patchq::v7sim::testing
