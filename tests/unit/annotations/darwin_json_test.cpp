#include "common/annotations/darwin_json.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace patchq::annotations {
namespace {

std::vector<CarriedAnnotation> sample() {
  CarriedAnnotation car;
  car.id = "a1";
  car.name = "car";
  car.kind = ShapeKind::polygon;
  car.paths = {{{0, 0}, {4, 0}, {4, 3}}};
  car.box = {0, 0, 4, 3};
  car.subs = {{"attributes", R"(["red","old"])"},
              {"text", R"({"text":"x"})"},
              {"instance_id", R"({"value":7})"}};
  CarriedAnnotation tag;
  tag.id = "a2";
  tag.name = "sunny";
  tag.kind = ShapeKind::tag;
  return {car, tag};
}

TEST(DarwinJson, TileFileIsDarwinJson2WithOneImageSlot) {
  const std::string text = tile_darwin_json({"t_r0c0.png", "/city", 64, 32}, sample());
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(text);
  EXPECT_EQ(std::string_view(doc["version"]), "2.0");
  EXPECT_EQ(std::string_view(doc["item"]["name"]), "t_r0c0.png");
  EXPECT_EQ(std::string_view(doc["item"]["path"]), "/city");
  EXPECT_EQ(int64_t(doc["item"]["slots"].at(0)["width"]), 64);
  EXPECT_EQ(std::string_view(doc["item"]["slots"].at(0)["slot_name"]), "0");
  auto car = doc["annotations"].at(0);
  EXPECT_EQ(std::string_view(car["name"]), "car");
  EXPECT_EQ(double(car["polygon"]["paths"].at(0).at(2)["y"]), 3.0);
  EXPECT_EQ(double(car["bounding_box"]["w"]), 4.0);
  EXPECT_EQ(std::string_view(car["attributes"].at(0)), "red");
  EXPECT_EQ(std::string_view(car["slot_names"].at(0)), "0");
  EXPECT_TRUE(doc["annotations"].at(1)["tag"].is_object());
}

TEST(DarwinJson, ImportBodyNamesClassesByIdAndLeavesOutUnknownOnes) {
  ClassIds classes{{{"polygon", "car"}, 11}};
  // "red" of class 11; "old" exists only for another class.
  const AttributeIds attributes{{{11, "red"}, "501"}, {{12, "old"}, "502"}};
  const ImportBody body = import_body(sample(), classes, attributes, true);
  EXPECT_EQ(body.annotations, 1u);
  ASSERT_EQ(body.missing_classes, std::vector<std::string>{"tag:sunny"});
  EXPECT_EQ(body.missing_attributes, std::vector<std::string>{"car:old"});
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body.json);
  EXPECT_EQ(std::string_view(doc["overwrite"]), "true");
  auto car = doc["annotations"].at(0);
  EXPECT_EQ(int64_t(car["annotation_class_id"]), 11);
  EXPECT_EQ(std::string_view(car["id"]), "a1");
  EXPECT_EQ(double(car["data"]["polygon"]["paths"].at(0).at(1)["x"]), 4.0);
  EXPECT_EQ(std::string_view(car["data"]["text"]["text"]), "x");
  // As darwin-py's importer: attribute ids under "attributes", text and instance id as read.
  ASSERT_EQ(car["data"]["attributes"]["attributes"].get_array().size(), 1u);
  EXPECT_EQ(int64_t(car["data"]["attributes"]["attributes"].at(0)), 501);
  EXPECT_EQ(int64_t(car["data"]["instance_id"]["value"]), 7);
  EXPECT_EQ(std::string_view(car["context_keys"]["slot_names"].at(0)), "0");
}

TEST(DarwinJson, ImportBodyOfBoxAndKeypoint) {
  CarriedAnnotation box;
  box.id = "b";
  box.name = "sign";
  box.kind = ShapeKind::bounding_box;
  box.box = {1, 2, 3, 4};
  CarriedAnnotation point;
  point.id = "k";
  point.name = "wheel";
  point.kind = ShapeKind::keypoint;
  point.keypoint = {5, 6};
  const ImportBody body = import_body(
      {box, point}, ClassIds{{{"bounding_box", "sign"}, 1}, {{"keypoint", "wheel"}, 2}}, {}, false);
  EXPECT_EQ(body.json,
            R"({"annotations":[{"annotation_class_id":1,"data":{"bounding_box":{"x":1,"y":2,"w":3,)"
            R"("h":4}},"context_keys":{"slot_names":["0"]},"id":"b"},{"annotation_class_id":2,)"
            R"("data":{"keypoint":{"x":5,"y":6}},"context_keys":{"slot_names":["0"]},"id":"k"}],)"
            R"("overwrite":"false"})");
}

TEST(DarwinJson, AttributeNamesOfBothLayoutsAndNonNumericIds) {
  CarriedAnnotation a;
  a.name = "car";
  a.subs = {{"attributes", R"({"attributes":["red",3,""]})"}};
  EXPECT_EQ(attribute_names(a), std::vector<std::string>{"red"});
  a.kind = ShapeKind::tag;
  const ImportBody body =
      import_body({a}, ClassIds{{{"tag", "car"}, 4}}, AttributeIds{{{4, "red"}, "uuid-1"}}, true);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body.json);
  EXPECT_EQ(std::string_view(doc["annotations"].at(0)["data"]["attributes"]["attributes"].at(0)),
            "uuid-1");
  EXPECT_TRUE(body.missing_attributes.empty());
}

}  // namespace
}  // namespace patchq::annotations
