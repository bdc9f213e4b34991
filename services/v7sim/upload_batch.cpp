// UploadBatch parsing: see upload_batch.hpp.
#include "services/v7sim/upload_batch.hpp"

#include <simdjson.h>

#include "common/codec/base64.hpp"

namespace patchq::v7sim {

namespace {

BatchError invalid(std::string message) {
  return {422, "VALIDATION_ERROR", std::move(message)};
}

// An optional string field: false when present with another type.
bool optional_string(simdjson::dom::object obj, std::string_view key, std::string& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return true;
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS) return false;
  out = std::string(text);
  return true;
}

}  // namespace

std::variant<UploadBatch, BatchError> parse_upload_batch(std::string_view body, bool with_content) {
  if (with_content && body.size() > kMaxDirectUploadRequestBytes) {
    return BatchError{413, "PAYLOAD_TOO_LARGE",
                      "direct_upload request of " + std::to_string(body.size()) +
                          " bytes exceeds 30 MB (the limit counts the whole request)"};
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return BatchError{400, "INVALID_JSON", "request body is not valid JSON"};
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return invalid("body must be an object");
  UploadBatch batch;
  std::string_view slug;
  if (root["dataset_slug"].get_string().get(slug) != simdjson::SUCCESS || slug.empty()) {
    return invalid("dataset_slug is required");
  }
  batch.dataset_slug = std::string(slug);
  simdjson::dom::array items;
  if (root["items"].get_array().get(items) != simdjson::SUCCESS) {
    return invalid("items must be an array");
  }
  if (items.size() == 0) return invalid("items must not be empty");
  if (items.size() > kMaxItemsPerCall) {
    return invalid("at most " + std::to_string(kMaxItemsPerCall) + " items per call");
  }
  for (simdjson::dom::element element : items) {
    simdjson::dom::object item;
    if (element.get_object().get(item) != simdjson::SUCCESS)
      return invalid("items[] must be objects");
    UploadEntry entry;
    std::string content_b64;
    if (!optional_string(item, "name", entry.name) || entry.name.empty()) {
      return invalid("items[].name is required");
    }
    if (!optional_string(item, "path", entry.path) ||
        !optional_string(item, "file_content", content_b64)) {
      return invalid("items[].path and file_content must be strings");
    }
    if (entry.path.empty() || entry.path.front() != '/') {
      return invalid("items[].path must start with '/'");
    }
    simdjson::dom::array slots;
    if (item["slots"].get_array().get(slots) == simdjson::SUCCESS) {
      if (slots.size() > 1) return invalid("the simulator supports one slot per item");
      for (simdjson::dom::element s : slots) {
        simdjson::dom::object slot;
        if (s.get_object().get(slot) != simdjson::SUCCESS ||
            !optional_string(slot, "file_name", entry.file_name) ||
            !optional_string(slot, "slot_name", entry.slot_name) ||
            !optional_string(slot, "file_content", content_b64)) {
          return invalid("items[].slots[] must be objects of strings");
        }
      }
    }
    if (entry.file_name.empty()) entry.file_name = entry.name;
    if (entry.slot_name.empty()) entry.slot_name = "0";
    if (with_content) {
      if (content_b64.empty()) return invalid("file_content is required for " + entry.name);
      entry.content = codec::base64_decode(content_b64);
      if (!entry.content) return invalid("file_content of " + entry.name + " is not base64");
    }
    batch.items.push_back(std::move(entry));
  }
  return batch;
}

}  // namespace patchq::v7sim
