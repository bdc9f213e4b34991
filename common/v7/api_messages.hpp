// The JSON bodies of the V7 v2 API calls patchq makes (see shared/v7/API.md): request
// builders and response parsers. Pure functions, no I/O, so each shape is unit-tested alone.
// Parsers return a readable error text (never throw) for bodies that do not have the shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec/base64.hpp"
#include "common/result/result.hpp"

namespace patchq::v7 {

// One file to register: item name and folder path in the dataset, one slot "0", and the
// item's tags (sent only when there are some).
struct UploadItem {
  std::string name;
  std::string path = "/";
  std::vector<std::string> tags{};
};

// A file for direct_upload: the same plus its bytes (sent as base64).
struct DirectUploadItem {
  std::string name;
  std::string path = "/";
  std::string_view bytes;  // not owned
  std::vector<std::string> tags{};
};

// A file already in the customer's storage, for register_existing(_readonly). The thumbnail
// and dimensions are for read-only storage, where V7 does not make thumbnails itself.
struct ExistingItem {
  std::string name;
  std::string path = "/";
  std::string storage_key;            // the object's key as V7 expects it (see common/storage)
  std::string storage_thumbnail_key;  // read-only storage only
  int width = 0;                      // read-only storage only
  int height = 0;
  std::vector<std::string> tags{};
};

// A dataset as GET /api/datasets lists it: the slug patchq uploads to, and the name people see
// (V7 derives the slug from the name at creation, so they can differ).
struct DatasetRef {
  std::string slug;
  std::string name;
  std::int64_t id = 0;  // 0 when the list did not say
};

struct RegisteredItem {
  std::string name;
  std::string upload_id;  // of slot "0" (the first slot); may be empty outside register_upload
  std::string id;         // V7's item id, when the answer carries it (items[].id)
};

struct BlockedItem {
  std::string name;
  std::string reason;     // e.g. "ALREADY_EXISTS"
  std::string upload_id;  // of the existing registration, when V7 says (may be empty)
  std::string id;         // the existing item's id, when V7 says (may be empty)
};

struct RegisterResponse {
  std::vector<RegisteredItem> items;
  std::vector<BlockedItem> blocked;
};

// GET /api/v2/teams/{team}/items/{item_id}: an item and where each slot's file is now. V7
// names the file by a `source_files[0].url` (as in exports and webhooks) or, undocumented, by
// the slot's `upload_id` alone; the parser keeps either.
struct ItemSlotFile {
  std::string slot_name;
  std::string file_name;
  std::string url;        // may be empty when only upload_id is known
  std::string upload_id;  // may be empty
};

struct ItemFiles {
  std::string id;
  std::string name;
  std::vector<ItemSlotFile> slots;
};

std::string build_register_upload(std::string_view dataset_slug,
                                  const std::vector<UploadItem>& items);
std::string build_direct_upload(std::string_view dataset_slug,
                                const std::vector<DirectUploadItem>& items);
std::string build_create_dataset(std::string_view name);
// register_existing, or register_existing_readonly when `readonly` (slots then carry the
// thumbnail key, width and height).
std::string build_register_existing(std::string_view dataset_slug, std::string_view storage_slug,
                                    const std::vector<ExistingItem>& items, bool readonly);

// The exact size of build_direct_upload's body, without building it: the envelope plus, for
// each item, direct_upload_item_bytes, minus one (the item sizes count the separator after
// each, and the last item has none). Lets the uploader fill a call up to V7's limit on the
// whole request.
std::size_t direct_upload_envelope_bytes(std::string_view dataset_slug);
// Items a direct_upload call carries at most: V7 documents no limit of its own; darwin-py
// registers at most 500 files a call, and patchq keeps to that.
inline constexpr std::size_t kDirectUploadItemsPerCall = 500;
std::size_t direct_upload_item_bytes(const DirectUploadItem& item);

// Each parser returns the value, or the reason the body did not have the expected shape.
// register_upload, direct_upload and register_existing(_readonly) answer with the same shape;
// only register_upload's items must carry an upload_id (the uploader signs it next).
enum class UploadIds { required, optional };
Result<RegisterResponse> parse_register_response(std::string_view body,
                                                 UploadIds upload_ids = UploadIds::required);
Result<std::string> parse_sign_response(std::string_view body);  // upload_url
Result<std::string> parse_token_info(std::string_view body);     // selected_team.slug
Result<std::vector<DatasetRef>> parse_datasets(std::string_view body);
Result<std::string> parse_created_dataset_slug(std::string_view body);
Result<ItemFiles> parse_item(std::string_view body);

// A class of the team's annotation classes (GET /api/teams/{team}/annotation_classes): V7's
// annotation import names classes by id.
struct AnnotationClassRef {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> annotation_types;  // "polygon", "bounding_box", "keypoint", "tag", ...
  // The ids of the datasets the class is in, when the answer lists them (`datasets: [{id}]`).
  std::optional<std::vector<std::int64_t>> datasets;
};
Result<std::vector<AnnotationClassRef>> parse_annotation_classes(std::string_view body);
// The class POST /api/annotation_classes answers with (its `id`, at least).
Result<AnnotationClassRef> parse_created_annotation_class(std::string_view body);
// POST /api/annotation_classes, as darwin-py's create_annotation_class sends it: the class,
// in dataset `dataset_id`, with the annotation types of `type_ids` (GET /api/annotation_types).
std::string build_create_annotation_class(std::int64_t dataset_id, std::string_view name,
                                          const std::vector<std::int64_t>& type_ids);
// PUT /api/annotation_classes/{id}, as darwin-py's add_annotation_class sends it to put a team
// class into a dataset: {"datasets":[{"id"},...],"id"}, every dataset the class is to be in.
std::string build_class_datasets_update(std::int64_t class_id,
                                        const std::vector<std::int64_t>& dataset_ids);

// GET /api/annotation_types: [{"id","name"}] (name: "polygon", "attributes", ...).
struct AnnotationTypeRef {
  std::int64_t id = 0;
  std::string name;
};
Result<std::vector<AnnotationTypeRef>> parse_annotation_types(std::string_view body);

// GET /api/datasets/{dataset_id}/attributes: [{"id","name","class_id"}]; V7's import names
// an annotation's attributes by these ids.
struct AttributeRef {
  std::string id;  // V7 sends a number or a string; kept as text
  std::string name;
  std::int64_t class_id = 0;
};
Result<std::vector<AttributeRef>> parse_attributes(std::string_view body);

// errors.code of an error body ("INSUFFICIENT_REMAINING_STORAGE"), when there is one.
std::optional<std::string> error_code(std::string_view body);
// True for the 422 body of POST /api/datasets when the name is taken.
bool is_name_taken(std::string_view body);

// direct_upload bodies are base64 (common/codec/base64.hpp); callers size them with this.
using codec::base64_size;

}  // namespace patchq::v7
