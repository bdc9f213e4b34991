// The JSON bodies of the V7 v2 API calls patchq makes (see shared/v7/API.md): request
// builders and response parsers. Pure functions, no I/O, so each shape is unit-tested alone.
// Parsers return a readable error text (never throw) for bodies that do not have the shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/codec/base64.hpp"
#include "common/result/result.hpp"

namespace patchq::v7 {

// One file to register: item name and folder path in the dataset, one slot "0".
struct UploadItem {
  std::string name;
  std::string path = "/";
};

// A file for direct_upload: the same plus its bytes (sent as base64).
struct DirectUploadItem {
  std::string name;
  std::string path = "/";
  std::string_view bytes;  // not owned
};

struct RegisteredItem {
  std::string name;
  std::string upload_id;  // of slot "0" (the first slot)
};

struct BlockedItem {
  std::string name;
  std::string reason;     // e.g. "ALREADY_EXISTS"
  std::string upload_id;  // of the existing registration, when V7 says (may be empty)
};

struct RegisterResponse {
  std::vector<RegisteredItem> items;
  std::vector<BlockedItem> blocked;
};

std::string build_register_upload(std::string_view dataset_slug,
                                  const std::vector<UploadItem>& items);
std::string build_direct_upload(std::string_view dataset_slug,
                                const std::vector<DirectUploadItem>& items);
std::string build_create_dataset(std::string_view name);

// Each parser returns the value, or the reason the body did not have the expected shape.
// register_upload and direct_upload answer with the same shape.
Result<RegisterResponse> parse_register_response(std::string_view body);
Result<std::string> parse_sign_response(std::string_view body);  // upload_url
Result<std::string> parse_token_info(std::string_view body);     // selected_team.slug
Result<std::vector<std::string>> parse_dataset_slugs(std::string_view body);
Result<std::string> parse_created_dataset_slug(std::string_view body);

// errors.code of an error body ("INSUFFICIENT_REMAINING_STORAGE"), when there is one.
std::optional<std::string> error_code(std::string_view body);
// True for the 422 body of POST /api/datasets when the name is taken.
bool is_name_taken(std::string_view body);

// direct_upload bodies are base64 (common/codec/base64.hpp); callers size them with this.
using codec::base64_size;

}  // namespace patchq::v7
