// ExistingBatch parsing: see existing_batch.hpp.
#include "services/v7sim/existing_batch.hpp"

#include <simdjson.h>

namespace patchq::v7sim {

namespace {

// Reads the string fields an entry may carry from `obj` (the item or its slot); false when one
// is present with another type.
bool read_strings(simdjson::dom::object obj, ExistingEntry& entry) {
  const auto read = [&obj](std::string_view key, std::string& out) {
    simdjson::dom::element e;
    if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return true;
    std::string_view text;
    if (e.get_string().get(text) != simdjson::SUCCESS) return false;
    out = std::string(text);
    return true;
  };
  return read("slot_name", entry.slot_name) && read("file_name", entry.file_name) &&
         read("storage_key", entry.storage_key) &&
         read("storage_thumbnail_key", entry.thumbnail_key);
}

bool read_size(simdjson::dom::object obj, ExistingEntry& entry) {
  const auto read = [&obj](std::string_view key, int& out) {
    simdjson::dom::element e;
    if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return true;
    std::int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS || v < 0 || v > 1'000'000) return false;
    out = static_cast<int>(v);
    return true;
  };
  return read("width", entry.width) && read("height", entry.height);
}

}  // namespace

std::variant<ExistingBatch, BatchError> parse_existing_batch(std::string_view body, bool readonly) {
  BatchEnvelope envelope;
  if (auto error = parse_batch_envelope(body, kMaxExistingItemsPerCall, envelope)) return *error;
  ExistingBatch batch;
  batch.dataset_slug = envelope.dataset_slug;
  std::string_view text;
  if (envelope.root["storage_slug"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    return invalid_batch("storage_slug is required");
  }
  batch.storage_slug = std::string(text);
  for (simdjson::dom::element element : envelope.items) {
    simdjson::dom::object item;
    if (element.get_object().get(item) != simdjson::SUCCESS) {
      return invalid_batch("items[] must be objects");
    }
    ExistingEntry entry;
    if (item["name"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return invalid_batch("items[].name is required");
    }
    entry.name = std::string(text);
    if (item["path"].get_string().get(text) == simdjson::SUCCESS) entry.path = std::string(text);
    if (entry.path.empty() || entry.path.front() != '/') {
      return invalid_batch("items[].path must start with '/'");
    }
    if (auto error = read_item_tags(item, entry.tags)) return *error;
    if (!read_strings(item, entry) || !read_size(item, entry)) {
      return invalid_batch("items[] fields have the wrong type: " + entry.name);
    }
    simdjson::dom::array slots;
    if (item["slots"].get_array().get(slots) == simdjson::SUCCESS) {
      if (slots.size() != 1) return invalid_batch("the simulator supports one slot per item");
      simdjson::dom::object slot;
      if (slots.at(0).get_object().get(slot) != simdjson::SUCCESS || !read_strings(slot, entry) ||
          !read_size(slot, entry)) {
        return invalid_batch("items[].slots[] fields have the wrong type: " + entry.name);
      }
    }
    if (entry.storage_key.empty())
      return invalid_batch("storage_key is required for " + entry.name);
    if (readonly && (entry.thumbnail_key.empty() || entry.width <= 0 || entry.height <= 0)) {
      return invalid_batch(
          "read-only registration needs storage_thumbnail_key, width and height for " + entry.name);
    }
    if (entry.file_name.empty()) entry.file_name = entry.name;
    batch.items.push_back(std::move(entry));
  }
  return batch;
}

}  // namespace patchq::v7sim
