#include "common/patchjob/tile_provenance.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "common/patch/tile_name.hpp"

namespace patchq::patchjob {
namespace {

constexpr std::array<std::string_view, 7> kPlaceholders = {
    "item_path",      "item_name",       "item_stem",    "item_id",
    "source_dataset", "annotation_name", "annotation_id"};

std::optional<std::string> value_of(std::string_view placeholder, const TileOrigin& origin) {
  if (placeholder == "item_path") return std::string(origin.item_path);
  if (placeholder == "item_name") return std::string(origin.item_name);
  if (placeholder == "item_stem") return patch::item_stem(origin.item_name);
  if (placeholder == "item_id") return std::string(origin.item_id);
  if (placeholder == "source_dataset") return std::string(origin.source_dataset);
  if (placeholder == "annotation_name") return std::string(origin.annotation_name);
  if (placeholder == "annotation_id") return std::string(origin.annotation_id);
  return std::nullopt;
}

// Calls on_text for literal runs and on_placeholder for each "{name}"; stops at the first
// error and returns it.
template <typename OnText, typename OnPlaceholder>
Status walk(std::string_view text, OnText on_text, OnPlaceholder on_placeholder) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find_first_of("{}", at);
    if (open == std::string_view::npos) {
      on_text(text.substr(at));
      break;
    }
    if (text[open] == '}') return fail("unmatched '}' in template '" + std::string(text) + "'");
    on_text(text.substr(at, open - at));
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) {
      return fail("unclosed '{' in template '" + std::string(text) + "'");
    }
    const auto name = text.substr(open + 1, close - open - 1);
    if (std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      return fail("unknown placeholder {" + std::string(name) + "} in template '" +
                  std::string(text) + "'");
    }
    on_placeholder(name);
    at = close + 1;
  }
  return ok_status();
}

std::string render(std::string_view text, const TileOrigin& origin) {
  std::string out;
  const auto status = walk(
      text, [&](std::string_view literal) { out += literal; },
      [&](std::string_view name) { out += value_of(name, origin).value_or(""); });
  return status ? out : std::string();
}

void replace_controls(std::string& text) {
  for (char& c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = '_';
  }
}

// Cuts to at most `limit` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& text, std::size_t limit) {
  if (text.size() <= limit) return;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

Status check_template(std::string_view text) {
  return walk(
      text, [](std::string_view) {}, [](std::string_view) {});
}

Result<std::vector<std::string>> parse_tag_templates(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto comma = std::min(text.find(',', at), text.size());
    std::string tag = trimmed(text.substr(at, comma - at));
    if (!tag.empty()) {
      if (auto valid = check_template(tag); !valid) return valid.error();
      out.push_back(std::move(tag));
    }
    at = comma + 1;
  }
  if (out.size() > kMaxTags) {
    return fail("at most " + std::to_string(kMaxTags) + " tag templates, got " +
                std::to_string(out.size()));
  }
  return out;
}

std::string render_path(std::string_view path_template, const TileOrigin& origin) {
  std::string raw = render(path_template, origin);
  replace_controls(raw);
  std::string out;
  std::size_t at = 0;
  while (at <= raw.size()) {
    const auto slash = std::min(raw.find('/', at), raw.size());
    const std::string_view part(raw.data() + at, slash - at);
    if (!part.empty() && part != "." && part != "..") {
      out += '/';
      out += part;
    }
    at = slash + 1;
  }
  if (out.empty()) return "/";
  cut_utf8(out, kMaxPathBytes);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::vector<std::string> render_tags(const std::vector<std::string>& tag_templates,
                                     const TileOrigin& origin) {
  std::vector<std::string> out;
  for (const auto& tag_template : tag_templates) {
    std::string tag = render(tag_template, origin);
    replace_controls(tag);
    tag = trimmed(tag);
    cut_utf8(tag, kMaxTagBytes);
    if (tag.empty() || std::find(out.begin(), out.end(), tag) != out.end()) continue;
    out.push_back(std::move(tag));
  }
  return out;
}

}  // namespace patchq::patchjob
