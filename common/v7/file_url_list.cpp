#include "common/v7/file_url_list.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace patchq::v7 {

bool is_json_content_type(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  std::string type(content_type->substr(0, content_type->find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

Result<std::vector<std::string>> parse_file_url_list(std::string_view body) {
  if (body.size() > kMaxUrlListBytes) {
    return fail("JSON answer of " + std::to_string(body.size()) + " bytes is over the " +
                std::to_string(kMaxUrlListBytes) + "-byte limit for a URL list");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return fail("JSON answer is not valid JSON");
  }
  simdjson::dom::array urls;
  if (doc["urls"].get_array().get(urls) != simdjson::SUCCESS) {
    return fail("JSON answer has no \"urls\" array");
  }
  std::vector<std::string> out;
  for (auto entry : urls) {
    std::string_view url;
    if (entry.get_string().get(url) != simdjson::SUCCESS) {
      return fail("JSON answer's \"urls\" holds a value that is not a string");
    }
    if (out.size() == kMaxUrlListEntries) {
      return fail("JSON answer lists over " + std::to_string(kMaxUrlListEntries) + " URLs");
    }
    out.emplace_back(url);
  }
  if (out.empty()) return fail("JSON answer's \"urls\" is empty");
  return out;
}

}  // namespace patchq::v7
