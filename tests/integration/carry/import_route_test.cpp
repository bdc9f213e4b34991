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

}  // namespace
}  // namespace patchq::v7sim::testing
