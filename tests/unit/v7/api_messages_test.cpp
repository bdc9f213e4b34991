#include "common/v7/api_messages.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace patchq::v7 {
namespace {

std::string string_at(std::string_view json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json.data(), json.size()).get(doc), simdjson::SUCCESS);
  std::string_view out;
  EXPECT_EQ(doc.at_pointer(pointer).get_string().get(out), simdjson::SUCCESS) << pointer;
  return std::string(out);
}

TEST(ApiMessages, RegisterUploadNamesEachItemWithSlotZeroAndTheDataset) {
  const auto body = build_register_upload("tiles", {{"a_r0c0.png", "/"}, {"a_r0c1.png", "/x"}});
  EXPECT_EQ(string_at(body, "/dataset_slug"), "tiles");
  EXPECT_EQ(string_at(body, "/items/1/name"), "a_r0c1.png");
  EXPECT_EQ(string_at(body, "/items/1/path"), "/x");
  EXPECT_EQ(string_at(body, "/items/0/slots/0/file_name"), "a_r0c0.png");
  EXPECT_EQ(string_at(body, "/items/0/slots/0/slot_name"), "0");
  EXPECT_NE(body.find("\"handle_as_slices\":false"), std::string::npos);
}

TEST(ApiMessages, DirectUploadCarriesTheBytesAsBase64) {
  const std::string bytes("\x00\xff\x10", 3);
  const auto body = build_direct_upload("tiles", {{"t.png", "/", bytes}});
  EXPECT_EQ(string_at(body, "/items/0/slots/0/file_content"), "AP8Q");
}

TEST(ApiMessages, DirectUploadSizeIsKnownWithoutBuildingTheRequest) {
  const std::string a(1000, 'a'), b(1, 'b'), c(2, 'c');
  const std::vector<DirectUploadItem> items = {
      {"a \"quoted\" name.png", "/", a},
      {"b.png", "/deep/folder", b, {"patch (4x6)", "source:\"x\".jpg"}},
      {"c\u00e9.png", "/", c}};
  for (std::size_t n = 1; n <= items.size(); ++n) {
    const std::vector<DirectUploadItem> some(items.begin(), items.begin() + static_cast<long>(n));
    std::size_t estimate = direct_upload_envelope_bytes("tiles");
    for (const auto& item : some) estimate += direct_upload_item_bytes(item);
    EXPECT_EQ(estimate - 1, build_direct_upload("tiles", some).size()) << n;
  }
  EXPECT_EQ(direct_upload_envelope_bytes("tiles"), build_direct_upload("tiles", {}).size());
}

TEST(ApiMessages, EveryRegistrationCallCarriesTheItemsTagsOnlyWhenItHasSome) {
  const std::vector<std::string> tags = {"patch (4x6)", "source:street.jpg"};
  const auto registered = build_register_upload("ds", {{"a.png", "/f", tags}, {"b.png", "/"}});
  EXPECT_EQ(string_at(registered, "/items/0/tags/1"), "source:street.jpg");
  EXPECT_EQ(registered.find("\"tags\"", registered.find("b.png")), std::string::npos);
  const auto direct = build_direct_upload("ds", {{"a.png", "/f", "x", tags}});
  EXPECT_EQ(string_at(direct, "/items/0/tags/0"), "patch (4x6)");
  ExistingItem existing;
  existing.name = "a.png";
  existing.storage_key = "k/a.png";
  existing.tags = tags;
  const auto registered_existing = build_register_existing("ds", "s", {existing}, false);
  EXPECT_EQ(string_at(registered_existing, "/items/0/tags/1"), "source:street.jpg");
}

TEST(ApiMessages, RegisterExistingNamesStorageKeysAndTheStorage) {
  const std::vector<ExistingItem> items = {{"a_r0c0.png", "/", "tiles/a_r0c0.png", "", 0, 0},
                                           {"a_r0c1.png", "/x", "tiles/a_r0c1.png", "", 0, 0}};
  const auto body = build_register_existing("ds", "bucket-in-v7", items, /*readonly=*/false);
  EXPECT_EQ(string_at(body, "/dataset_slug"), "ds");
  EXPECT_EQ(string_at(body, "/storage_slug"), "bucket-in-v7");
  EXPECT_EQ(string_at(body, "/items/1/path"), "/x");
  EXPECT_EQ(string_at(body, "/items/1/slots/0/storage_key"), "tiles/a_r0c1.png");
  EXPECT_EQ(string_at(body, "/items/0/slots/0/file_name"), "a_r0c0.png");
  EXPECT_EQ(body.find("storage_thumbnail_key"), std::string::npos);  // read-write: V7 makes them
}

TEST(ApiMessages, RegisterExistingReadonlyCarriesThumbnailAndSize) {
  const std::vector<ExistingItem> items = {
      {"a.png", "/", "p/a.png", "p/thumbnails/a.jpg", 440, 320}};
  const auto body = build_register_existing("ds", "ro", items, /*readonly=*/true);
  EXPECT_EQ(string_at(body, "/items/0/slots/0/storage_thumbnail_key"), "p/thumbnails/a.jpg");
  EXPECT_NE(body.find("\"width\":440"), std::string::npos);
  EXPECT_NE(body.find("\"height\":320"), std::string::npos);
}

TEST(ApiMessages, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(codec::base64_encode(""), "");
  EXPECT_EQ(codec::base64_encode("f"), "Zg==");
  EXPECT_EQ(codec::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(codec::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(codec::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_size(6), 8u);
  EXPECT_EQ(base64_size(4), 8u);
}

TEST(ApiMessages, ParsesRegisteredAndBlockedItems) {
  const auto parsed = parse_register_response(R"({
    "items": [{"id": "i1", "name": "a.png", "path": "/",
               "slots": [{"upload_id": "u1", "file_name": "a.png", "slot_name": "0"}]}],
    "blocked_items": [{"name": "b.png", "path": "/",
                       "slots": [{"reason": "ALREADY_EXISTS", "file_name": "b.png"}]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  ASSERT_EQ(parsed.value().items.size(), 1u);
  EXPECT_EQ(parsed.value().items[0].name, "a.png");
  EXPECT_EQ(parsed.value().items[0].upload_id, "u1");
  ASSERT_EQ(parsed.value().blocked.size(), 1u);
  EXPECT_EQ(parsed.value().blocked[0].name, "b.png");
  EXPECT_EQ(parsed.value().blocked[0].reason, "ALREADY_EXISTS");
  EXPECT_EQ(parsed.value().blocked[0].upload_id, "");
}

TEST(ApiMessages, BlockedItemKeepsTheUploadIdOfTheExistingRegistration) {
  const auto parsed = parse_register_response(R"({"items": [], "blocked_items": [
      {"name": "b.png", "slots": [{"upload_id": "u9", "reason": "ALREADY_EXISTS"}]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  EXPECT_EQ(parsed.value().blocked.at(0).upload_id, "u9");
}

TEST(ApiMessages, RegisteredItemWithoutUploadIdIsAParseFailure) {
  const auto parsed = parse_register_response(R"({"items": [{"name": "a.png", "slots": []}]})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().reason.find("a.png"), std::string::npos);
}

TEST(ApiMessages, ItemsOfOtherUploadCallsNeedNoUploadId) {
  const auto parsed = parse_register_response(R"({"items": [{"name": "a.png", "slots": []}]})",
                                              UploadIds::optional);
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  EXPECT_EQ(parsed.value().items.at(0).name, "a.png");
}

TEST(ApiMessages, NonJsonBodiesAreParseFailuresNotExceptions) {
  EXPECT_FALSE(parse_register_response("<html>").ok());
  EXPECT_FALSE(parse_sign_response("").ok());
  EXPECT_FALSE(parse_token_info("{").ok());
  EXPECT_FALSE(parse_datasets("null").ok());
}

TEST(ApiMessages, ParsesSignTokenInfoAndDatasets) {
  EXPECT_EQ(parse_sign_response(R"({"upload_url": "https://s/x?sig=1"})").value(),
            "https://s/x?sig=1");
  EXPECT_EQ(parse_token_info(R"({"selected_team": {"slug": "acme"}})").value(), "acme");
  const auto datasets =
      parse_datasets(R"([{"slug": "a", "id": 1, "name": "A set"}, {"slug": "b"}])").value();
  ASSERT_EQ(datasets.size(), 2u);
  EXPECT_EQ(datasets[0].slug, "a");
  EXPECT_EQ(datasets[0].name, "A set");
  EXPECT_EQ(datasets[1].slug, "b");
  EXPECT_EQ(datasets[1].name, "");
  EXPECT_EQ(parse_created_dataset_slug(R"({"id": 3, "name": "T", "slug": "t"})").value(), "t");
}

TEST(ApiMessages, ReadsErrorCodesAndTheTakenNameError) {
  EXPECT_EQ(error_code(R"({"errors": {"code": "INSUFFICIENT_REMAINING_STORAGE"}})"),
            "INSUFFICIENT_REMAINING_STORAGE");
  EXPECT_FALSE(error_code(R"({"errors": {}})"));
  EXPECT_FALSE(error_code("not json"));
  EXPECT_TRUE(is_name_taken(R"({"errors": {"name": ["has already been taken"]}})"));
  EXPECT_FALSE(is_name_taken(R"({"errors": {"name": ["is too long"]}})"));
}

TEST(ApiMessages, ReadsAnItemsSlotsWithTheirFileUrlOrUploadId) {
  const auto item = parse_item(R"({"id": "i1", "name": "a.jpg", "slots": [
      {"slot_name": "0", "file_name": "a.jpg",
       "source_files": [{"file_name": "a.jpg", "url": "https://h/u/1"}]},
      {"slot_name": "1", "file_name": "b.jpg", "upload_id": "up-2"}]})");
  ASSERT_TRUE(item) << item.error().reason;
  EXPECT_EQ(item->id, "i1");
  ASSERT_EQ(item->slots.size(), 2u);
  EXPECT_EQ(item->slots[0].url, "https://h/u/1");
  EXPECT_EQ(item->slots[1].url, "");
  EXPECT_EQ(item->slots[1].upload_id, "up-2");
  EXPECT_FALSE(parse_item(R"({"id": "i1"})"));
  EXPECT_FALSE(parse_item("<html>"));
}

TEST(ApiMessages, RegisteredAndBlockedItemsKeepTheirItemIds) {
  auto parsed = parse_register_response(
      R"({"items":[{"id":"0192-a","name":"a.png","slots":[]},{"id":42,"name":"b.png"}],
          "blocked_items":[{"id":"0192-c","name":"c.png","slots":[{"reason":"ALREADY_EXISTS"}]},
                           {"name":"d.png","slots":[{"reason":"ALREADY_EXISTS"}]}]})",
      UploadIds::optional);
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  EXPECT_EQ(parsed->items[0].id, "0192-a");
  EXPECT_EQ(parsed->items[1].id, "42");
  EXPECT_EQ(parsed->blocked[0].id, "0192-c");
  EXPECT_EQ(parsed->blocked[1].id, "");  // not given: left empty, not an error
}

TEST(ApiMessages, ParsesTheTeamsAnnotationClasses) {
  auto parsed = parse_annotation_classes(
      R"({"annotation_classes":[{"id":345,"name":"car","annotation_types":["polygon","attributes"],
          "datasets":[{"id":7},{"id":9}]},
          {"id":346,"name":"sunny","annotation_types":"tag"},{"name":"no id"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].id, 345);
  EXPECT_EQ((*parsed)[0].annotation_types, (std::vector<std::string>{"polygon", "attributes"}));
  EXPECT_EQ((*parsed)[1].annotation_types, (std::vector<std::string>{"tag"}));
  EXPECT_EQ((*parsed)[0].datasets, (std::vector<std::int64_t>{7, 9}));
  EXPECT_FALSE((*parsed)[1].datasets.has_value());  // not listed: unknown, not "none"
  EXPECT_FALSE(parse_annotation_classes(R"({"classes":[]})").ok());
}

TEST(ApiMessages, PuttingAClassIntoADatasetNamesAllItsDatasetsAsDarwinPyDoes) {
  EXPECT_EQ(build_class_datasets_update(345, {7, 12}),
            R"({"datasets":[{"id":7},{"id":12}],"id":345})");
}

}  // namespace
}  // namespace patchq::v7
