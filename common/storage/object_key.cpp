#include "common/storage/object_key.hpp"

#include "common/net/url.hpp"

namespace patchq::storage {

std::string join_key(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string key(prefix);
  key += '/';
  key += name;
  return key;
}

std::string encode_key_path(std::string_view key) {
  std::string path;
  path.reserve(key.size() + key.size() / 2);
  std::size_t start = 0;
  while (true) {
    const auto slash = key.find('/', start);
    path += net::encode_path_segment(key.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    path += '/';
    start = slash + 1;
  }
  return path;
}

std::string key_problem(std::string_view key) {
  if (key.empty()) return "empty object key";
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return "object key has a control character";
  }
  std::size_t start = 0;
  while (true) {
    const auto slash = key.find('/', start);
    const auto segment = key.substr(start, slash - start);
    if (segment.empty()) return "object key \"" + std::string(key) + "\" has an empty segment";
    if (segment == "." || segment == "..") {
      return "object key \"" + std::string(key) + "\" has a \".\" or \"..\" segment";
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

}  // namespace patchq::storage
