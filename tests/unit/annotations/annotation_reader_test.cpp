#include "common/annotations/annotation_reader.hpp"

#include <gtest/gtest.h>

namespace patchq::annotations {
namespace {

ReadOptions skip_patches() {
  ReadOptions o;
  o.is_patch = [](std::string_view name) { return name.starts_with("patch"); };
  return o;
}

constexpr std::string_view kPayload =
    R"json({"version":"2.0","item":{"name":"a.jpg"},"annotations":[
  {"id":"p1","name":"patch (2x2)","bounding_box":{"x":0,"y":0,"w":10,"h":10}},
  {"id":"c1","name":"car","slot_names":["0"],"bounding_box":{"x":1,"y":2,"w":3,"h":4},
   "polygon":{"paths":[[{"x":0,"y":0},{"x":4,"y":0},{"x":4,"y":4}],
                       [{"x":1,"y":1},{"x":2,"y":1},{"x":2,"y":2}]]},
   "attributes":["red"],"text":{"text":"plate"},"instance_id":{"value":7},"annotators":[]},
  {"id":"b1","name":"sign","bounding_box":{"x":5,"y":6,"w":7,"h":8}},
  {"id":"k1","name":"wheel","keypoint":{"x":1.5,"y":2.5}},
  {"id":"t1","name":"sunny","tag":{}},
  {"id":"e1","name":"lamp","ellipse":{"center":{"x":1,"y":1},"radius":{"x":1,"y":1},"angle":0},
   "bounding_box":{"x":0,"y":0,"w":2,"h":2}},
  {"id":"n1","name":"broken","bounding_box":{"x":null,"y":0,"w":1,"h":1}},
  {"id":"s1","name":"other","slot_names":["1"],"tag":{}},
  {"name":"","tag":{}},
  {"id":"m1","name":"nothing"}
]})json";

TEST(AnnotationReader, ReadsEveryCarriedShapeAndCountsTheRest) {
  auto read = read_annotations(kPayload, [] {
    auto o = skip_patches();
    o.slot_name = "0";
    return o;
  }());
  ASSERT_TRUE(read.ok()) << read.error().reason;
  const auto& a = read->annotations;
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].name, "car");
  EXPECT_EQ(a[0].kind, ShapeKind::polygon);  // the polygon wins over its bounding_box
  ASSERT_EQ(a[0].paths.size(), 2u);
  EXPECT_EQ(a[0].paths[1][2], (Point{2, 2}));
  ASSERT_EQ(a[0].subs.size(), 3u);
  EXPECT_EQ(a[0].subs[0], (std::pair<std::string, std::string>{"attributes", R"(["red"])"}));
  EXPECT_EQ(a[0].subs[2].second, R"({"value":7})");
  EXPECT_EQ(a[1].kind, ShapeKind::bounding_box);
  EXPECT_EQ(a[1].box, (Box{5, 6, 7, 8}));
  EXPECT_EQ(a[2].kind, ShapeKind::keypoint);
  EXPECT_EQ(a[2].keypoint, (Point{1.5, 2.5}));
  EXPECT_EQ(a[3].kind, ShapeKind::tag);
  EXPECT_EQ(a[3].id, "t1");
  EXPECT_EQ(read->patches, 1u);
  EXPECT_EQ(read->other_slot, 1u);
  EXPECT_EQ(read->unknown_shape, 2u);  // the ellipse (despite its box) and the shapeless one
  EXPECT_EQ(read->malformed, 2u);      // a null coordinate, an empty name
}

TEST(AnnotationReader, ReadsTheLegacyLayoutsFirstList) {
  auto read = read_annotations(
      R"({"annotations":[[{"name":"car","bounding_box":{"x":1,"y":1,"w":1,"h":1}}],
                         [{"name":"other","tag":{}}]]})",
      skip_patches());
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->annotations.size(), 1u);
  EXPECT_EQ(read->annotations[0].name, "car");
  EXPECT_EQ(read->annotations[0].id, "#0");  // no id: its position names it
}

TEST(AnnotationReader, ReadsDarwin1PolygonPath) {
  auto read = read_annotations(
      R"({"annotations":[{"name":"car","polygon":{"path":[{"x":0,"y":0},{"x":1,"y":0},{"x":1,"y":1}]}}]})",
      skip_patches());
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->annotations.size(), 1u);
  EXPECT_EQ(read->annotations[0].paths.size(), 1u);
}

TEST(AnnotationReader, NoAnnotationsKeyIsNoAnnotations) {
  auto read = read_annotations(R"({"item":{}})", skip_patches());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->annotations.empty());
}

TEST(AnnotationReader, ReadsABareListAsV7sAnnotationsEndpointMayAnswer) {
  auto read = read_annotations(
      R"([{"id":"t1","name":"sunny","tag":{}},{"id":"p1","name":"patch","tag":{}},1])",
      skip_patches());
  ASSERT_TRUE(read.ok()) << read.error().reason;
  ASSERT_EQ(read->annotations.size(), 1u);
  EXPECT_EQ(read->annotations[0].id, "t1");
  EXPECT_EQ(read->patches, 1u);
  EXPECT_EQ(read->malformed, 1u);
}

TEST(AnnotationReader, RefusesWhatIsNeitherAnObjectNorAList) {
  EXPECT_FALSE(read_annotations("{nope", skip_patches()).ok());
  EXPECT_FALSE(read_annotations("3", skip_patches()).ok());
  EXPECT_FALSE(read_annotations(R"("text")", skip_patches()).ok());
}

TEST(AnnotationReader, StopsAtThePointBudget) {
  ReadOptions o = skip_patches();
  o.max_points = 4;
  auto read = read_annotations(
      R"({"annotations":[
        {"name":"a","polygon":{"paths":[[{"x":0,"y":0},{"x":1,"y":0},{"x":1,"y":1}]]}},
        {"name":"b","polygon":{"paths":[[{"x":0,"y":0},{"x":1,"y":0},{"x":1,"y":1}]]}},
        {"name":"c","tag":{}}]})",
      o);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->annotations.size(), 2u);
  EXPECT_EQ(read->annotations[1].name, "c");
  EXPECT_EQ(read->over_limit, 1u);
}

TEST(AnnotationReader, RefusesCoordinatesPastTheBound) {
  auto read = read_annotations(R"({"annotations":[{"name":"a","keypoint":{"x":1e12,"y":0}}]})",
                               skip_patches());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->annotations.empty());
  EXPECT_EQ(read->malformed, 1u);
}

}  // namespace
}  // namespace patchq::annotations
