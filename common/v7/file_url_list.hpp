// File URL lists: an image URL may answer 200 with JSON `{"urls": ["https://...", ...]}`
// instead of the file (a file V7 stores as several keys; darwin-py's download code then GETs
// each listed URL, without the API key). These are the pure parts of handling that answer:
// recognising it and reading it, bounded in bytes and entries.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.hpp"

namespace patchq::v7 {

inline constexpr std::size_t kMaxUrlListBytes = 64 * 1024;
inline constexpr std::size_t kMaxUrlListEntries = 100;

// "application/json" or any "+json" type, parameters ignored, case-insensitive.
bool is_json_content_type(std::optional<std::string_view> content_type);

// The "urls" strings of such an answer; fails with the reason when the body is over
// kMaxUrlListBytes, not JSON, has no "urls" array of strings, lists none, or over
// kMaxUrlListEntries.
Result<std::vector<std::string>> parse_file_url_list(std::string_view body);

}  // namespace patchq::v7
