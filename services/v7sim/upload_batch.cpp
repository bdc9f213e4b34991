// UploadBatch parsing: see upload_batch.hpp.
#include "services/v7sim/upload_batch.hpp"

#include <simdjson.h>

#include "common/codec/base64.hpp"

namespace patchq::v7sim {

namespace {

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

BatchError invalid_batch(std::string message) {
  return {422, "VALIDATION_ERROR", std::move(message)};
}

std::optional<BatchError> parse_batch_envelope(std::string_view body, std::size_t max_items,
                                               BatchEnvelope& out) {
  simdjson::dom::element doc;
  if (out.parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return BatchError{400, "INVALID_JSON", "request body is not valid JSON"};
  }
  if (doc.get_object().get(out.root) != simdjson::SUCCESS) {
    return invalid_batch("body must be an object");
  }
  std::string_view slug;
  if (out.root["dataset_slug"].get_string().get(slug) != simdjson::SUCCESS || slug.empty()) {
    return invalid_batch("dataset_slug is required");
  }
  out.dataset_slug = std::string(slug);
  if (out.root["items"].get_array().get(out.items) != simdjson::SUCCESS) {
    return invalid_batch("items must be an array");
  }
  if (out.items.size() == 0) return invalid_batch("items must not be empty");
  if (out.items.size() > max_items) {
    return invalid_batch("at most " + std::to_string(max_items) + " items per call");
  }
  return std::nullopt;
}

std::optional<BatchError> read_item_tags(simdjson::dom::object item,
                                         std::vector<std::string>& out) {
  simdjson::dom::element tags;
  if (item["tags"].get(tags) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::array list;
  if (tags.get_array().get(list) != simdjson::SUCCESS) {
    return invalid_batch("items[].tags must be an array of strings");
  }
  for (simdjson::dom::element tag : list) {
    std::string_view text;
    if (tag.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return invalid_batch("items[].tags must be an array of non-empty strings");
    }
    out.emplace_back(text);
  }
  return std::nullopt;
}

std::variant<UploadBatch, BatchError> parse_upload_batch(std::string_view body, bool with_content) {
  if (with_content && body.size() > kMaxDirectUploadRequestBytes) {
    return BatchError{413, "PAYLOAD_TOO_LARGE",
                      "direct_upload request of " + std::to_string(body.size()) +
                          " bytes exceeds 30 MB (the limit counts the whole request)"};
  }
  BatchEnvelope envelope;
  if (auto error = parse_batch_envelope(body, kMaxItemsPerCall, envelope)) return *error;
  UploadBatch batch;
  batch.dataset_slug = envelope.dataset_slug;
  for (simdjson::dom::element element : envelope.items) {
    simdjson::dom::object item;
    if (element.get_object().get(item) != simdjson::SUCCESS)
      return invalid_batch("items[] must be objects");
    UploadEntry entry;
    std::string content_b64;
    if (!optional_string(item, "name", entry.name) || entry.name.empty()) {
      return invalid_batch("items[].name is required");
    }
    if (!optional_string(item, "path", entry.path) ||
        !optional_string(item, "file_content", content_b64)) {
      return invalid_batch("items[].path and file_content must be strings");
    }
    if (entry.path.empty() || entry.path.front() != '/') {
      return invalid_batch("items[].path must start with '/'");
    }
    if (auto error = read_item_tags(item, entry.tags)) return *error;
    simdjson::dom::array slots;
    if (item["slots"].get_array().get(slots) == simdjson::SUCCESS) {
      if (slots.size() > 1) return invalid_batch("the simulator supports one slot per item");
      for (simdjson::dom::element s : slots) {
        simdjson::dom::object slot;
        if (s.get_object().get(slot) != simdjson::SUCCESS ||
            !optional_string(slot, "file_name", entry.file_name) ||
            !optional_string(slot, "slot_name", entry.slot_name) ||
            !optional_string(slot, "file_content", content_b64)) {
          return invalid_batch("items[].slots[] must be objects of strings");
        }
      }
    }
    if (entry.file_name.empty()) entry.file_name = entry.name;
    if (entry.slot_name.empty()) entry.slot_name = "0";
    if (with_content) {
      if (content_b64.empty()) return invalid_batch("file_content is required for " + entry.name);
      entry.content = codec::base64_decode(content_b64);
      if (!entry.content) return invalid_batch("file_content of " + entry.name + " is not base64");
    }
    batch.items.push_back(std::move(entry));
  }
  return batch;
}

}  // namespace patchq::v7sim
