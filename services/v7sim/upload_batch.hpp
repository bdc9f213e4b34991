// UploadBatch: the request body of register_upload and direct_upload, checked the way V7
// checks it (shared/v7/API.md):
//   {"items":[{"name":"t.png","path":"/","slots":[{"file_name":"t.png","slot_name":"0",
//              "file_content":"<base64, direct_upload only>"}]}],
//    "dataset_slug":"<slug>","options":{...}}
// At most 500 items; one slot per item (the simulator has no multi-slot items); file_content
// may also sit on the item itself.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace patchq::v7sim {

inline constexpr std::size_t kMaxItemsPerCall = 500;
// V7's 30 MB limit is on the whole direct_upload request, JSON included (shared/v7/API.md).
inline constexpr std::size_t kMaxDirectUploadRequestBytes = 30'000'000;

struct UploadEntry {
  std::string name;
  std::string path = "/";
  std::string file_name;
  std::string slot_name = "0";
  std::optional<std::string> content;  // decoded bytes (direct_upload)
  std::vector<std::string> tags;
};

struct UploadBatch {
  std::string dataset_slug;
  std::vector<UploadEntry> items;
};

struct BatchError {
  int status;  // 400 (not JSON), 413 (content too large), 422 (shape)
  std::string code;
  std::string message;
};

std::variant<UploadBatch, BatchError> parse_upload_batch(std::string_view body, bool with_content);

// What every batch body shares (register_upload, direct_upload, register_existing*): a JSON
// object with a non-empty dataset_slug and 1..max_items items. `parser` keeps root and items
// alive. nullopt when the body has that shape.
struct BatchEnvelope {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  simdjson::dom::array items;
  std::string dataset_slug;
};
std::optional<BatchError> parse_batch_envelope(std::string_view body, std::size_t max_items,
                                               BatchEnvelope& out);
// A 422 VALIDATION_ERROR with `message`, as V7 answers a body of the wrong shape.
BatchError invalid_batch(std::string message);
// An item's optional "tags": an array of non-empty strings (darwin-py's upload_manager sends
// them on the item). nullopt when absent or well formed.
std::optional<BatchError> read_item_tags(simdjson::dom::object item, std::vector<std::string>& out);

}  // namespace patchq::v7sim
