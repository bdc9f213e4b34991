// The webhook payloads the stand-in makes itself (POST /_sim/items/{id}/payload, and a stage
// given an "item"): multi-slot items as V7 sends them, and a stage without annotations.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/integration/v7sim/sim_process.hpp"

namespace patchq::v7sim::testing {
namespace {

class PayloadTest : public ::testing::Test {
 protected:
  std::string add(const std::string& name, int w, int h) {
    auto added = sim_.call("POST", "/_sim/datasets/src/images?name=" + name, make_png(w, h));
    EXPECT_EQ(added.status, 201) << added.body;
    simdjson::dom::parser parser;
    return std::string(
        std::string_view(parser.parse(added.body)["item"]["source_info"]["item_id"]));
  }
  SimProcess sim_;
};

TEST_F(PayloadTest, AMultiSlotItemListsEverySlotWithItsOwnFile) {
  const std::string left = add("left.png", 30, 20);
  const std::string right = add("right.png", 12, 8);
  const std::string spec = R"({"slots":[{"slot_name":"L","item_id":")" + left +
                           R"("},{"slot_name":"V","type":"video"},{"slot_name":"R","item_id":")" +
                           right + R"("}],"annotations":[{"id":"t","name":"sunny","tag":{}}]})";
  auto reply = sim_.call("POST", "/_sim/items/" + left + "/payload", spec);
  ASSERT_EQ(reply.status, 200) << reply.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(reply.body);
  EXPECT_EQ(std::string_view(doc["item"]["source_info"]["item_id"]), left);
  EXPECT_EQ(std::string_view(doc["item"]["name"]), "left.png");
  auto slots = doc["item"]["slots"].get_array();
  ASSERT_EQ(slots.size(), 3u);
  EXPECT_EQ(std::string_view(slots.at(0)["slot_name"]), "L");
  EXPECT_EQ(int64_t(slots.at(0)["width"]), 30);
  EXPECT_EQ(std::string_view(slots.at(1)["type"]), "video");
  EXPECT_EQ(slots.at(1)["width"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(int64_t(slots.at(2)["height"]), 8);
  // Each image slot's file is that stored image's, at the URL its own payload names.
  simdjson::dom::parser other;
  simdjson::dom::element own =
      other.parse(sim_.call("GET", "/_sim/items/" + right + "/payload").body);
  EXPECT_EQ(std::string_view(slots.at(2)["source_files"].at(0)["url"]),
            std::string_view(own["item"]["slots"].at(0)["source_files"].at(0)["url"]));
  EXPECT_EQ(std::string_view(slots.at(2)["source_files"].at(0)["file_name"]), "right.png");
  EXPECT_EQ(std::string_view(doc["annotations"].at(0)["name"]), "sunny");
}

TEST_F(PayloadTest, WithoutAnnotationsTheKeyIsLeftOutAsV7DoesThen) {
  const std::string item = add("solo.png", 10, 10);
  auto reply =
      sim_.call("POST", "/_sim/items/" + item + "/payload", R"({"include_annotations":false})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(reply.body);
  EXPECT_EQ(doc["annotations"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(doc["item"]["slots"].get_array().size(), 1u);
  // The default is the item's own payload.
  auto plain = sim_.call("POST", "/_sim/items/" + item + "/payload", "");
  EXPECT_EQ(plain.body, sim_.call("GET", "/_sim/items/" + item + "/payload").body);
}

TEST_F(PayloadTest, RefusesSpecsItCannotMake) {
  const std::string item = add("bad.png", 10, 10);
  for (const std::string spec :
       {R"({"slots":[]})", R"({"slots":[{"slot_name":"A","item_id":"nope"}]})",
        R"({"slots":[{"slot_name":"A","type":"video"},{"slot_name":"A","type":"pdf"}]})",
        R"({"slots":[{"item_id":"x"}]})", R"({"annotations":{}})"}) {
    EXPECT_EQ(sim_.call("POST", "/_sim/items/" + item + "/payload", spec).status, 422) << spec;
  }
  EXPECT_EQ(sim_.call("POST", "/_sim/items/no-such/payload", "{}").status, 422);
  EXPECT_EQ(sim_.call("POST", "/_sim/stage",
                      R"({"url":"http://127.0.0.1:1/","item":{"item_id":"no-such"}})")
                .status,
            422);
}

}  // namespace
}  // namespace patchq::v7sim::testing
