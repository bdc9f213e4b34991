// The stand-in's annotation import: what it refuses (so a client's mistakes show in tests) and
// what it stores.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/integration/v7sim/sim_process.hpp"

namespace patchq::v7sim::testing {
namespace {

class ImportRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sim_.call("POST", "/_sim/annotation_classes",
                        R"({"name":"car","annotation_types":["polygon"]})")
                  .status,
              201);
    auto added = sim_.call("POST", "/_sim/datasets/src/images?name=a.png", make_png(8, 8));
    ASSERT_EQ(added.status, 201);
    simdjson::dom::parser parser;
    item_id_ =
        std::string(std::string_view(parser.parse(added.body)["item"]["source_info"]["item_id"]));
    auto classes = sim_.api("GET", "/api/teams/sim-team/annotation_classes?include_tags=true");
    ASSERT_EQ(classes.status, 200);
    class_id_ = int64_t(parser.parse(classes.body)["annotation_classes"].at(0)["id"]);
  }

  int import(const std::string& body) {
    return sim_.api("POST", "/api/v2/teams/sim-team/items/" + item_id_ + "/import", body).status;
  }
  std::string car(const std::string& id) {
    return R"({"annotation_class_id":)" + std::to_string(class_id_) +
           R"(,"data":{"polygon":{"paths":[[{"x":0,"y":0},{"x":1,"y":0},{"x":1,"y":1}]]}},"id":")" +
           id + R"("})";
  }
  std::size_t stored() {
    auto reply = sim_.call("GET", "/_sim/items/" + item_id_ + "/annotations");
    simdjson::dom::parser parser;
    return parser.parse(reply.body)["annotations"].get_array().size();
  }

  SimProcess sim_;
  std::string item_id_;
  int64_t class_id_ = 0;
};

TEST_F(ImportRouteTest, StoresWhatItGotAndOverwriteReplacesIt) {
  // The class is the team's but not yet in the item's dataset: darwin-py adds it first.
  EXPECT_EQ(import(R"({"annotations":[)" + car("a") + R"(],"overwrite":"false"})"), 422);
  simdjson::dom::parser parser;
  const auto dataset_id = int64_t(parser.parse(sim_.api("GET", "/api/datasets").body).at(0)["id"]);
  const std::string put_in = R"({"datasets":[{"id":)" + std::to_string(dataset_id) + R"(}],"id":)" +
                             std::to_string(class_id_) + "}";
  EXPECT_EQ(sim_.api("PUT", "/api/annotation_classes/" + std::to_string(class_id_), put_in).status,
            200);
  EXPECT_EQ(sim_.api("PUT", "/api/annotation_classes/999999", put_in).status, 404);
  EXPECT_EQ(sim_.api("PUT", "/api/annotation_classes/" + std::to_string(class_id_),
                     R"({"datasets":[{"id":424242}]})")
                .status,
            422);  // an unknown dataset, and the class keeps its datasets
  auto listed = sim_.api("GET", "/api/teams/sim-team/annotation_classes");
  EXPECT_EQ(int64_t(parser.parse(listed.body)["annotation_classes"].at(0)["datasets"].at(0)["id"]),
            dataset_id);
  EXPECT_EQ(stored(), 0u);
  EXPECT_EQ(import(R"({"annotations":[)" + car("a") + "," + car("b") + R"(],"overwrite":"false"})"),
            200);
  EXPECT_EQ(import(R"({"annotations":[)" + car("c") + R"(],"overwrite":"false"})"), 200);
  EXPECT_EQ(stored(), 3u);
  EXPECT_EQ(import(R"({"annotations":[)" + car("d") + R"(],"overwrite":"true"})"), 200);
  EXPECT_EQ(stored(), 1u);
}

TEST_F(ImportRouteTest, RefusesUnknownClassesWrongShapesAndUnknownItems) {
  EXPECT_EQ(import(R"({"annotations":[{"annotation_class_id":999999,"data":{"tag":{}}}]})"), 422);
  EXPECT_EQ(import(R"({"annotations":[{"annotation_class_id":)" + std::to_string(class_id_) +
                   R"(,"data":{"keypoint":{"x":1,"y":1}}}]})"),
            422);  // a polygon class
  EXPECT_EQ(import(R"({"annotations":{}})"), 422);
  EXPECT_EQ(import("not json"), 400);
  EXPECT_EQ(stored(), 0u);
  EXPECT_EQ(
      sim_.api("POST", "/api/v2/teams/sim-team/items/no-such-item/import", R"({"annotations":[]})")
          .status,
      404);
  EXPECT_EQ(sim_.api("POST", "/api/v2/teams/other-team/items/" + item_id_ + "/import",
                     R"({"annotations":[]})")
                .status,
            403);
}

TEST_F(ImportRouteTest, CreatesClassesAsDarwinPysBodyAsksAndRefusesADuplicate) {
  simdjson::dom::parser parser;
  int64_t box_type = 0;
  for (auto t : parser.parse(sim_.api("GET", "/api/annotation_types").body).get_array()) {
    if (std::string_view(t["name"]) == "bounding_box") box_type = int64_t(t["id"]);
  }
  ASSERT_NE(box_type, 0);
  const int64_t dataset_id =
      int64_t(parser.parse(sim_.api("GET", "/api/datasets").body).at(0)["id"]);
  const std::string body =
      R"({"dataset_id":)" + std::to_string(dataset_id) +
      R"(,"name":"sign","metadata":{"_color":"auto"},"annotation_type_ids":[)" +
      std::to_string(box_type) + R"(],"datasets":[{"id":)" + std::to_string(dataset_id) + "}]}";
  auto created = sim_.api("POST", "/api/annotation_classes", body);
  ASSERT_EQ(created.status, 200) << created.body;
  const int64_t sign = int64_t(parser.parse(created.body)["id"]);
  EXPECT_EQ(sim_.api("POST", "/api/annotation_classes", body).status, 422);  // taken
  EXPECT_EQ(sim_.api("POST", "/api/annotation_classes",
                     R"({"dataset_id":999999,"name":"x","annotation_type_ids":[1]})")
                .status,
            422);
  // The new class imports; an attribute must be one of its own.
  ASSERT_EQ(sim_.call("POST", "/_sim/attributes",
                      R"({"class_id":)" + std::to_string(sign) + R"(,"dataset_id":)" +
                          std::to_string(dataset_id) + R"(,"name":"big"})")
                .status,
            201);
  auto listed = sim_.api("GET", "/api/datasets/" + std::to_string(dataset_id) + "/attributes");
  ASSERT_EQ(listed.status, 200);
  simdjson::dom::element big = parser.parse(listed.body).at(0);
  EXPECT_EQ(std::string_view(big["name"]), "big");
  const int64_t big_id = int64_t(big["id"]);
  const auto sign_box = [&](const std::string& attributes) {
    return R"({"annotations":[{"annotation_class_id":)" + std::to_string(sign) +
           R"(,"data":{"bounding_box":{"x":0,"y":0,"w":1,"h":1},"attributes":)" + attributes +
           "}}]}";
  };
  EXPECT_EQ(import(sign_box(R"({"attributes":[)" + std::to_string(big_id) + "]}")), 200);
  EXPECT_EQ(import(sign_box(R"({"attributes":[424242]})")), 422);
  EXPECT_EQ(import(sign_box(R"(["big"])")), 422);  // names, not ids
  EXPECT_EQ(stored(), 1u);
}

}  // namespace
}  // namespace patchq::v7sim::testing
