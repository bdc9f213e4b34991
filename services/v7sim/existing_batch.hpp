// ExistingBatch: the request body of register_existing and register_existing_readonly, checked
// the way V7's docs describe it (shared/v7/API.md, "External storage"):
//   {"items":[{"name","path","slots":[{"slot_name","file_name","storage_key",
//              "storage_thumbnail_key","width","height"}]}],   <- the last three: read-only
//    "dataset_slug","storage_slug"}
// At most 100 items a call (V7's documented limit for both endpoints); one slot per item. The
// flat form of V7's older guide (storage_key and the rest on the item itself) is read too.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/v7sim/upload_batch.hpp"

namespace patchq::v7sim {

inline constexpr std::size_t kMaxExistingItemsPerCall = 100;

struct ExistingEntry {
  std::string name;
  std::string path = "/";
  std::string slot_name = "0";
  std::string file_name;
  std::string storage_key;
  std::string thumbnail_key;  // read-only only
  int width = 0;              // read-only only
  int height = 0;
  std::vector<std::string> tags;
};

struct ExistingBatch {
  std::string dataset_slug;
  std::string storage_slug;
  std::vector<ExistingEntry> items;
};

std::variant<ExistingBatch, BatchError> parse_existing_batch(std::string_view body, bool readonly);

}  // namespace patchq::v7sim
