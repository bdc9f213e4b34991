// PayloadParser: the two shipped samples, every refusal reason, and the padding entry points.
#include "common/webhook/payload_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "tests/support/temp_dir.hpp"

namespace patchq::webhook {
namespace {

using patchq::testing::read_file;
using patchq::testing::source_path;

std::string sample_v2() {
  return read_file(source_path("tests/data/v7/webhook_v2.json"));
}
std::string sample_legacy() {
  return read_file(source_path("tests/data/v7/webhook_legacy.json"));
}

// A minimal valid Darwin JSON 2.0 payload with replaceable parts.
std::string v2_payload(const std::string& annotations,
                       const std::string& slots = R"([{"type": "image", "slot_name": "0",
                           "width": 640, "height": 480,
                           "source_files": [{"file_name": "a.jpg", "url": "https://h/a.jpg"}]}])",
                       const std::string& extra_item_fields = "") {
  return R"({"version": "2.0", "item": {"name": "a.jpg", "path": "/",)" + extra_item_fields +
         R"( "source_info": {"item_id": "id-1", "team": {"slug": "t"}, "dataset": {"slug": "d"}},
         "slots": )" +
         slots + R"(}, "annotations": )" + annotations + "}";
}

std::string box_annotation(const std::string& id, const std::string& box) {
  return R"({"id": ")" + id + R"(", "name": "patch", "bounding_box": )" + box + "}";
}

// The problem the parser noted on annotation `index` ("" when none; fails when refused).
std::string problem_of(const std::string& json, std::size_t index = 0) {
  const ParseResult result = parse_payload(json);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().reason);
  if (!result.ok() || result.value().annotations.size() <= index) return "<no annotation>";
  return result.value().annotations[index].problem;
}

std::string error_of(const std::string& json) {
  const ParseResult result = parse_payload(json);
  EXPECT_FALSE(result.ok()) << "expected a refusal for: " << json;
  return result.ok() ? std::string() : result.error().reason;
}

TEST(PayloadParser, ReadsEveryFieldOfTheDarwinV2Sample) {
  const ParseResult result = parse_payload(sample_v2());
  ASSERT_TRUE(result.ok()) << result.error().reason;
  const Item& item = result.value();
  EXPECT_EQ(item.shape, PayloadShape::darwin_v2);
  EXPECT_EQ(item.team_slug, "acme-vision");
  EXPECT_EQ(item.dataset_slug, "street-scenes");
  EXPECT_EQ(item.item_id, "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e");
  EXPECT_EQ(item.name, "street_0042.jpg");
  EXPECT_EQ(item.path, "/city/");
  EXPECT_EQ(item.slot.slot_name, "0");
  EXPECT_EQ(item.slot.width, 4000u);
  EXPECT_EQ(item.slot.height, 3000u);
  EXPECT_EQ(item.slot.file_name, "street_0042.jpg");
  EXPECT_EQ(item.slot.file_url,
            "https://darwin.v7labs.com/api/v2/teams/acme-vision/uploads/"
            "ade5f1e3-1111-4222-8333-944455556666");
  EXPECT_TRUE(item.annotations_included);
  ASSERT_EQ(item.annotations.size(), 4u);
  EXPECT_EQ(item.annotations[0].id, "754f5f2c-0001-4000-8000-000000000001");
  EXPECT_EQ(item.annotations[0].name, "patch (4x6)");
  const auto* box = std::get_if<BoundingBox>(&item.annotations[0].geometry);
  ASSERT_NE(box, nullptr);
  EXPECT_DOUBLE_EQ(box->x, 100.4);
  EXPECT_DOUBLE_EQ(box->y, 50.6);
  EXPECT_DOUBLE_EQ(box->w, 3000.0);
  EXPECT_DOUBLE_EQ(box->h, 2000.0);
  const auto* point = std::get_if<Keypoint>(&item.annotations[2].geometry);
  ASSERT_NE(point, nullptr);
  EXPECT_DOUBLE_EQ(point->x, 120.0);
  EXPECT_DOUBLE_EQ(point->y, 2990.5);
  // The polygon ("car") is represented by its bounding_box.
  const auto* car = std::get_if<BoundingBox>(&item.annotations[3].geometry);
  ASSERT_NE(car, nullptr);
  EXPECT_DOUBLE_EQ(car->w, 400.0);
}

TEST(PayloadParser, ReadsTheLegacySampleWithADerivedItemId) {
  const ParseResult result = parse_payload(sample_legacy());
  ASSERT_TRUE(result.ok()) << result.error().reason;
  const Item& item = result.value();
  EXPECT_EQ(item.shape, PayloadShape::legacy_2022);
  EXPECT_EQ(item.team_slug, "acme-vision");
  EXPECT_EQ(item.dataset_slug, "street-scenes");
  EXPECT_EQ(item.name, "street_0042.jpg");
  EXPECT_EQ(item.slot.file_name, "street_0042.jpg");
  EXPECT_EQ(item.path, "/");
  EXPECT_FALSE(item.slot.width.has_value());
  EXPECT_EQ(item.item_id, legacy_item_id(item.slot.file_url));
  ASSERT_EQ(item.annotations.size(), 3u);
  EXPECT_EQ(item.annotations[0].id, "a1");
  EXPECT_EQ(item.annotations[0].name, "patch (2x3)");
  EXPECT_EQ(item.annotations[2].name, "tree");
}

TEST(LegacyItemId, IsFnv1a64OfTheUrlInHex) {
  // Published FNV-1a 64 test vectors: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c.
  EXPECT_EQ(legacy_item_id(""), "legacy-cbf29ce484222325");
  EXPECT_EQ(legacy_item_id("a"), "legacy-af63dc4c8601ec8c");
}

TEST(LegacyItemId, IgnoresQueryAndFragmentButNotThePath) {
  EXPECT_EQ(legacy_item_id("https://s3/bucket/k.jpg?X-Amz-Signature=1"),
            legacy_item_id("https://s3/bucket/k.jpg?X-Amz-Signature=2#frag"));
  EXPECT_NE(legacy_item_id("https://s3/bucket/k.jpg"), legacy_item_id("https://s3/bucket/j.jpg"));
}

TEST(PayloadParser, LegacyAnnotationsWithoutIdsGetTheirPosition) {
  const std::string json = R"({"team_info": {"slug": "t"}, "dataset_info": {"slug": "d"},
      "files": [{"filename": "x.png", "url": "https://h/x.png"}],
      "annotations": [[{"name": "patch", "bounding_box": {"x": 0, "y": 0, "w": 5, "h": 5}},
                       {"name": "crop", "bounding_box": {"x": 0, "y": 0, "w": 5, "h": 5}}]]})";
  const ParseResult result = parse_payload(json);
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().annotations[0].id, "ann0");
  EXPECT_EQ(result.value().annotations[1].id, "ann1");
}

TEST(PayloadParser, LegacyReadsOnlyTheFirstFilesAnnotations) {
  const std::string json = R"({"team_info": {"slug": "t"}, "dataset_info": {"slug": "d"},
      "files": [{"filename": "x.png", "url": "https://h/x.png"},
                {"filename": "y.png", "url": "https://h/y.png"}],
      "annotations": [[{"id": "1", "name": "patch"}], [{"id": "2", "name": "patch"}]]})";
  const ParseResult result = parse_payload(json);
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().name, "x.png");
  ASSERT_EQ(result.value().annotations.size(), 1u);
  EXPECT_EQ(result.value().annotations[0].id, "1");
}

TEST(PayloadParser, EmptyAnnotationListIsAValidItem) {
  const ParseResult result = parse_payload(v2_payload("[]"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_TRUE(result.value().annotations.empty());
  EXPECT_TRUE(result.value().annotations_included);
}

TEST(PayloadParser, MissingAnnotationsKeyIsValidAndFlagged) {
  std::string json = v2_payload("[]");
  json.replace(json.find(R"(, "annotations": [])"), 19, "");
  const ParseResult result = parse_payload(json);
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_FALSE(result.value().annotations_included);
}

TEST(PayloadParser, KeyOrderDoesNotMatter) {
  const std::string json = R"({"annotations": [{"id": "z", "name": "patch"}], "item": {
      "slots": [{"type": "image", "source_files": [{"url": "https://h/b.png"}]}],
      "source_info": {"dataset": {"slug": "d"}, "team": {"slug": "t"}, "item_id": "i"},
      "name": "b.png"}, "version": "2.0"})";
  const ParseResult result = parse_payload(json);
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().item_id, "i");
  EXPECT_EQ(result.value().path, "/");
  ASSERT_EQ(result.value().annotations.size(), 1u);
}

TEST(PayloadParser, EscapedKeysAndStringsAreUnescaped) {
  const ParseResult result =
      parse_payload(v2_payload(R"([{"id": "a\u0031", "n\u0061me": "p\u00e4tch \"x\""}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().annotations[0].id, "a1");
  EXPECT_EQ(result.value().annotations[0].name, "p\xC3\xA4tch \"x\"");
}

TEST(PayloadParser, AnnotationWithoutGeometryHasNoGeometry) {
  const ParseResult result = parse_payload(
      v2_payload(R"([{"id": "a", "name": "patch", "tag": {}, "bounding_box": null}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_TRUE(std::holds_alternative<NoGeometry>(result.value().annotations[0].geometry));
}

TEST(PayloadParser, NullSlotSizeMeansUnknown) {
  const ParseResult result =
      parse_payload(v2_payload("[]", R"([{"type": "image", "width": null, "height": null,
                 "source_files": [{"file_name": "a.jpg", "url": "https://h/a.jpg"}]}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_FALSE(result.value().slot.width.has_value());
  EXPECT_FALSE(result.value().slot.height.has_value());
}

// ---- refusals: each names the field path and what was wrong.

// ---- leniency: an annotation's unusable values mark that annotation only.

TEST(PayloadParserLenient, MalformedCarBoxDoesNotSinkThePayload) {
  const std::string annotations =
      "[" + box_annotation("p", R"({"x": 1, "y": 1, "w": 2, "h": 2})") +
      R"(, {"id": "c", "name": "car", "bounding_box": {"x": 1, "y": null, "w": -3}}])";
  const ParseResult result = parse_payload(v2_payload(annotations));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  ASSERT_EQ(result.value().annotations.size(), 2u);
  EXPECT_EQ(result.value().annotations[0].problem, "");
  EXPECT_TRUE(std::holds_alternative<BoundingBox>(result.value().annotations[0].geometry));
  EXPECT_EQ(result.value().annotations[1].name, "car");
  EXPECT_EQ(result.value().annotations[1].problem,
            "annotations[1].bounding_box.y: expected a number, got null");
  EXPECT_TRUE(std::holds_alternative<NoGeometry>(result.value().annotations[1].geometry));
}

TEST(PayloadParserLenient, NegativeBoxWidthNamesTheAnnotation) {
  const std::string annotations = "[" + box_annotation("a", R"({"x": 1, "y": 1, "w": 2, "h": 2})") +
                                  "," + box_annotation("b", R"({"x": 1, "y": 1, "w": 2, "h": 2})") +
                                  "," +
                                  box_annotation("c", R"({"x": 1, "y": 1, "w": -3, "h": 2})") + "]";
  EXPECT_EQ(problem_of(v2_payload(annotations), 2),
            "annotations[2].bounding_box.w: expected a finite number in [0, 1000000000], got -3");
}

TEST(PayloadParserLenient, HugeCoordinates) {
  EXPECT_EQ(problem_of(v2_payload(
                "[" + box_annotation("a", R"({"x": 1e300, "y": 1, "w": 2, "h": 2})") + "]")),
            "annotations[0].bounding_box.x: expected a finite number in [-1000000000, 1000000000], "
            "got 1e+300");
}

TEST(PayloadParserLenient, NumbersOutsideDoubleRange) {
  EXPECT_EQ(problem_of(v2_payload(
                "[" + box_annotation("a", R"({"x": 1, "y": -1e999, "w": 2, "h": 2})") + "]")),
            "annotations[0].bounding_box.y: expected a finite number in [-1000000000, 1000000000], "
            "got a number out of double range");
}

TEST(PayloadParserLenient, NanAndInfinityLiterals) {
  for (const char* literal : {"NaN", "Infinity", "-Infinity", "nan"}) {
    const std::string box = std::string(R"({"x": )") + literal + R"(, "y": 1, "w": 2, "h": 2})";
    EXPECT_EQ(problem_of(v2_payload("[" + box_annotation("a", box) + "]")),
              std::string("annotations[0].bounding_box.x: expected a finite number in "
                          "[-1000000000, 1000000000], got ") +
                  literal + " (not valid JSON)");
  }
}

TEST(PayloadParserLenient, WrongTypesInsideAnAnnotation) {
  EXPECT_EQ(problem_of(v2_payload(
                "[" + box_annotation("a", R"({"x": "1", "y": 1, "w": 2, "h": 2})") + "]")),
            "annotations[0].bounding_box.x: expected a number, got a string");
  EXPECT_EQ(problem_of(v2_payload(R"([{"id": 7, "name": "patch"}])")),
            "annotations[0].id: expected a string, got a number");
  EXPECT_EQ(problem_of(v2_payload("[true]")),
            "annotations[0]: expected an annotation object, got a boolean");
  EXPECT_EQ(error_of(v2_payload(R"({"id": "a"})")),
            "annotations: expected an array, got an object");
}

TEST(PayloadParserLenient, MissingAnnotationFields) {
  EXPECT_EQ(problem_of(v2_payload(
                R"([{"id": "a", "name": "patch", "bounding_box": {"x": 1, "y": 1, "w": 2}}])")),
            "annotations[0].bounding_box.h: missing");
  EXPECT_EQ(problem_of(v2_payload(R"([{"name": "patch"}])")), "annotations[0].id: missing");
  // No name: never a patch, nothing to complain about.
  EXPECT_EQ(problem_of(v2_payload(R"([{"id": "a"}])")), "");
}

TEST(PayloadParserLenient, AFieldAfterTheProblemIsStillRead) {
  const ParseResult result = parse_payload(v2_payload(
      R"([{"id": "a", "keypoint": {"x": "bad"}, "name": "patch", "slot_names": ["s1"]}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().annotations[0].name, "patch");
  EXPECT_EQ(result.value().annotations[0].slot_name, "s1");
  EXPECT_EQ(result.value().annotations[0].problem,
            "annotations[0].keypoint.x: expected a number, got a string");
}

TEST(PayloadParserLenient, UnknownShapesHaveNoGeometry) {
  const ParseResult result = parse_payload(v2_payload(
      R"([{"id": "a", "name": "car", "ellipse": {"center": {"x": 1, "y": 2}, "radius": 3}},
          {"id": "b", "name": "tag", "tag": {}}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_TRUE(std::holds_alternative<NoGeometry>(result.value().annotations[0].geometry));
  EXPECT_EQ(result.value().annotations[0].problem, "");
}

TEST(PayloadParserLenient, DuplicateKeysInsideAnAnnotation) {
  EXPECT_EQ(problem_of(v2_payload(R"([{"id": "a", "name": "patch", "name": "crop"}])")),
            "annotations[0].name: duplicate key");
}

// ---- polygons and slots.

TEST(PayloadParser, PolygonWithoutBoundingBoxGetsTheBoxOfAllItsPaths) {
  const ParseResult result = parse_payload(v2_payload(R"([{"id": "a", "name": "patch",
      "polygon": {"paths": [[{"x": 10, "y": 20}, {"x": 30, "y": 25}, {"x": 12, "y": 40}],
                            [], [{"x": 50.5, "y": 22}]]}}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  const auto* box = std::get_if<BoundingBox>(&result.value().annotations[0].geometry);
  ASSERT_NE(box, nullptr) << result.value().annotations[0].problem;
  EXPECT_DOUBLE_EQ(box->x, 10);
  EXPECT_DOUBLE_EQ(box->y, 20);
  EXPECT_DOUBLE_EQ(box->w, 40.5);
  EXPECT_DOUBLE_EQ(box->h, 20);
}

TEST(PayloadParser, PolygonsOwnBoundingBoxWinsOverItsPoints) {
  const ParseResult result = parse_payload(v2_payload(R"([{"id": "a", "name": "patch",
      "polygon": {"paths": [[{"x": 10, "y": 20}, {"x": 30, "y": 25}]]},
      "bounding_box": {"x": 1, "y": 2, "w": 3, "h": 4}}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  const auto* box = std::get_if<BoundingBox>(&result.value().annotations[0].geometry);
  ASSERT_NE(box, nullptr);
  EXPECT_DOUBLE_EQ(box->w, 3);
}

TEST(PayloadParser, PolygonWithoutPointsIsAProblem) {
  EXPECT_EQ(
      problem_of(v2_payload(R"([{"id": "a", "name": "patch", "polygon": {"paths": [[], []]}}])")),
      "annotations[0].polygon.paths: the polygon has no points");
  EXPECT_EQ(problem_of(v2_payload(R"([{"id": "a", "name": "patch", "polygon": {}}])")),
            "annotations[0].polygon.paths: missing");
}

TEST(PayloadParser, VideoItemsParseAsUnsupported) {
  const ParseResult result =
      parse_payload(v2_payload("[]", R"([{"type": "video", "frame_urls": null, "width": "?",
                           "source_files": [{"url": "https://h/v.mp4"}]}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_TRUE(result.value().image_slots.empty());
  EXPECT_EQ(result.value().unsupported_reason,
            "the item has no image slot (slot types: \"video\"); patchq cuts image slots only");
}

TEST(PayloadParser, DicomAndPdfItemsParseAsUnsupported) {
  const ParseResult result = parse_payload(
      v2_payload("[]", R"([{"type": "dicom", "source_files": [{"url": "https://h/s.dcm"}]},
                           {"type": "pdf", "source_files": []}, {"type": "dicom"}])"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().unsupported_reason,
            "the item has no image slot (slot types: \"dicom\", \"pdf\"); patchq cuts image "
            "slots only");
}

TEST(PayloadParser, ItemsWithoutSlotsParseAsUnsupported) {
  const ParseResult result = parse_payload(v2_payload("[]", "[]"));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().unsupported_reason,
            "the item has no slots; patchq cuts image slots only");
}

TEST(PayloadParser, MultiSlotItemsKeepEveryImageSlotInOrder) {
  const std::string slots = R"([
      {"type": "image", "slot_name": "left", "width": 10, "height": 20,
       "source_files": [{"file_name": "l.jpg", "url": "https://h/l.jpg"}]},
      {"type": "video", "slot_name": "clip", "source_files": [{"url": "https://h/c.mp4"}]},
      {"type": "image", "slot_name": "right",
       "source_files": [{"file_name": "r.jpg", "url": "https://h/r.jpg"}]}])";
  const ParseResult result = parse_payload(
      v2_payload(R"([{"id": "a", "name": "patch", "slot_names": ["right"]}])", slots));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  const Item& item = result.value();
  ASSERT_EQ(item.image_slots.size(), 2u);
  EXPECT_EQ(item.image_slots[0].slot_name, "left");
  EXPECT_EQ(item.image_slots[0].width, 10u);
  EXPECT_EQ(item.image_slots[1].slot_name, "right");
  EXPECT_EQ(item.image_slots[1].file_url, "https://h/r.jpg");
  EXPECT_EQ(item.slot.slot_name, "left");
  EXPECT_EQ(item.unsupported_reason, "");
  EXPECT_EQ(item.annotations[0].slot_name, "right");
}

TEST(PayloadParserRefuses, TwoImageSlotsWithOneName) {
  const std::string slot = R"({"type": "image", "source_files": [{"url": "https://h/a.jpg"}]})";
  EXPECT_EQ(error_of(v2_payload("[]", "[" + slot + "," + slot + "]")),
            "item.slots[1].slot_name: two image slots are named \"\"");
}

TEST(PayloadParserRefuses, ImageSlotWithoutAFileUrl) {
  EXPECT_EQ(
      error_of(v2_payload("[]", R"([{"type": "image", "source_files": [{"file_name": "a"}]}])")),
      "item.slots[0].source_files[0].url: missing");
}

TEST(PayloadParserRefuses, MissingItemFields) {
  std::string no_item_id = v2_payload("[]");
  no_item_id.replace(no_item_id.find(R"("item_id": "id-1", )"), 19, "");
  EXPECT_EQ(error_of(no_item_id), "item.source_info.item_id: missing");
}

TEST(PayloadParserRefuses, DatasetEventWebhooksWithTheirReason) {
  EXPECT_EQ(error_of(R"({"event_type": "workflow_complete", "payload": {"dataset_id": 1}})"),
            "payload: a V7 dataset-event webhook (\"event_type\"); patchq takes workflow "
            "webhook-stage deliveries only (see patchq's docs/RECEIVER.md)");
}

TEST(AnnotationsReply, ReadsAListOrAnObjectWithAnnotations) {
  PayloadParser parser;
  const std::string list = "[" + box_annotation("a", R"({"x": 1, "y": 2, "w": 3, "h": 4})") + "]";
  auto from_list = parser.parse_annotations_reply(list);
  ASSERT_TRUE(from_list.ok()) << from_list.error().reason;
  ASSERT_EQ(from_list->size(), 1u);
  EXPECT_EQ((*from_list)[0].id, "a");
  auto from_object = parser.parse_annotations_reply(R"({"annotations": )" + list + "}");
  ASSERT_TRUE(from_object.ok()) << from_object.error().reason;
  EXPECT_EQ(from_object->size(), 1u);
  auto empty = parser.parse_annotations_reply("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(parser.parse_annotations_reply(R"({"items": []})").error().reason,
            "annotations: missing");
  const auto broken = parser.parse_annotations_reply("[{\"id\": ");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().reason.rfind("annotations", 0), 0u) << broken.error().reason;
}

TEST(PayloadParserRefuses, EmptyRequiredStrings) {
  std::string json = v2_payload("[]");
  json.replace(json.find(R"("slug": "t")"), 11, R"("slug": "")");
  EXPECT_EQ(error_of(json), "item.source_info.team.slug: expected a non-empty string");
}

TEST(PayloadParserRefuses, SlotSizesThatAreNotWholePositivePixels) {
  for (const char* width : {"0", "12.5", "-4", "1048577", "\"640\""}) {
    const std::string slots = std::string(R"([{"type": "image", "width": )") + width +
                              R"(, "source_files": [{"url": "https://h/a.jpg"}]}])";
    const std::string error = error_of(v2_payload("[]", slots));
    EXPECT_EQ(
        error.rfind(
            "item.slots[0].width: expected a whole number of pixels in [1, 1048576] or null", 0),
        0u)
        << width << ": " << error;
  }
}

TEST(PayloadParserRefuses, DeeplyNestedJsonBeforeParsing) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_EQ(error_of(v2_payload("[]", R"([{"type": "image", "source_files": [{"url": "u"}]}])",
                                R"( "extra": )" + deep + ",")),
            "payload: nesting deeper than 64 levels");
}

TEST(PayloadParser, AcceptsNestingUpToTheLimit) {
  // The item object is at depth 2, so 62 more levels reach exactly 64.
  const std::string nested = std::string(62, '[') + std::string(62, ']');
  const ParseResult at_limit =
      parse_payload(v2_payload("[]", R"([{"type": "image", "source_files": [{"url": "u"}]}])",
                               R"( "extra": )" + nested + ","));
  EXPECT_TRUE(at_limit.ok()) << at_limit.error().reason;
  PayloadParser strict(ParseOptions{.max_depth = 63});
  EXPECT_EQ(
      strict
          .parse_copy(v2_payload("[]", R"([{"type": "image", "source_files": [{"url": "u"}]}])",
                                 R"( "extra": )" + nested + ","))
          .error()
          .reason,
      "payload: nesting deeper than 63 levels");
}

TEST(PayloadParserRefuses, EveryTruncationOfTheSample) {
  std::string json = sample_v2();
  while (!json.empty() && (json.back() == '\n' || json.back() == ' ')) json.pop_back();
  ASSERT_TRUE(parse_payload(json).ok());
  for (std::size_t n = 0; n < json.size(); ++n) {
    const ParseResult result = parse_payload(std::string_view(json).substr(0, n));
    ASSERT_FALSE(result.ok()) << "prefix of " << n << " bytes was accepted";
    ASSERT_FALSE(result.error().reason.empty());
  }
}

TEST(PayloadParserRefuses, TruncatedJsonAsInvalidJson) {
  const std::string json = sample_v2();
  const std::string error = error_of(json.substr(0, json.find("\"annotations\"") + 20));
  EXPECT_NE(error.find("invalid JSON"), std::string::npos) << error;
}

TEST(PayloadParserRefuses, InvalidUtf8) {
  std::string json =
      v2_payload(R"([{"id": "a", "name": "patch)" + std::string("\xC3\x28") + R"("}])");
  EXPECT_EQ(error_of(json), "payload: invalid JSON (The input is not valid UTF-8)");
}

TEST(PayloadParserRefuses, EmptyInputAndNonObjects) {
  EXPECT_EQ(error_of(""), "payload: invalid JSON (Empty: no JSON found)");
  EXPECT_EQ(error_of("[]"), "payload: expected a JSON object, got an array");
  EXPECT_EQ(error_of("42"), "payload: expected a JSON object, got a number");
}

TEST(PayloadParserRefuses, TrailingContent) {
  EXPECT_EQ(error_of(v2_payload("[]") + R"({"again": 1})"),
            "payload: unexpected content after the JSON object");
}

TEST(PayloadParserRefuses, UnknownShapes) {
  EXPECT_EQ(error_of(R"({"hello": "world"})"),
            "payload: neither Darwin JSON 2.0 (\"item\") nor legacy (\"files\") shape");
  std::string both = v2_payload("[]");
  both.insert(1, R"("files": [{"filename": "a", "url": "u"}], )");
  EXPECT_EQ(
      error_of(both),
      "payload: has both \"item\" (Darwin JSON 2.0) and \"files\" (legacy); expected one shape");
}

TEST(PayloadParserRefuses, LayoutThatContradictsTheShape) {
  EXPECT_EQ(error_of(v2_payload(R"([[{"id": "a", "name": "patch"}]])")),
            "annotations[0]: expected an annotation object (Darwin JSON 2.0), got an array");
  const std::string legacy_flat = R"({"team_info": {"slug": "t"}, "dataset_info": {"slug": "d"},
      "files": [{"filename": "x.png", "url": "https://h/x.png"}],
      "annotations": [{"id": "a", "name": "patch"}]})";
  EXPECT_EQ(error_of(legacy_flat),
            "annotations[0]: expected a list of annotations (legacy layout), got an object");
}

TEST(PayloadParserRefuses, UnsupportedDarwinJsonVersions) {
  std::string json = v2_payload("[]");
  json.replace(json.find("\"2.0\""), 5, "\"3.0\"");
  EXPECT_EQ(error_of(json), "version: unsupported Darwin JSON version \"3.0\"; patchq reads 2.x");
}

TEST(PayloadParserRefuses, MoreAnnotationsThanTheLimit) {
  PayloadParser parser(ParseOptions{.max_annotations = 2});
  const std::string a = R"({"id": "a", "name": "x"})";
  EXPECT_TRUE(parser.parse_copy(v2_payload("[" + a + "," + a + "]")).ok());
  EXPECT_EQ(parser.parse_copy(v2_payload("[" + a + "," + a + "," + a + "]")).error().reason,
            "annotations: more than 2 annotations");
}

// ---- the three entry points agree, and the in-place one leaves the text alone.

TEST(PayloadParser, InPlaceParsingPadsWithoutChangingTheBody) {
  std::string body = sample_v2();
  body.shrink_to_fit();
  const std::string before = body;
  const ParseResult result = parse_payload_in_place(body);
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(body, before);
  EXPECT_GE(body.capacity(), body.size() + kPayloadPadding);
  EXPECT_EQ(result.value().item_id, parse_payload(before).value().item_id);
}

TEST(PayloadParser, PaddedParsingReadsACallerPaddedBuffer) {
  const std::string json = sample_legacy();
  std::string buffer = json + std::string(kPayloadPadding, ' ');
  PayloadParser parser;
  const ParseResult result = parser.parse_padded(std::string_view(buffer.data(), json.size()));
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_EQ(result.value().annotations.size(), 3u);
}

TEST(PayloadParser, OneParserServesManyPayloads) {
  PayloadParser parser;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(parser.parse_copy(sample_v2()).ok());
    EXPECT_FALSE(parser.parse_copy("{").ok());
    EXPECT_TRUE(parser.parse_copy(sample_legacy()).ok());
  }
}

}  // namespace
}  // namespace patchq::webhook
