// Tile provenance: where a tile came from, kept on the tile's V7 item so a user can trace it
// back — the folder `path` it is registered under and the `tags` it carries, both rendered
// from templates over the source item and the patch annotation.
//
// Placeholders (anything else in braces is refused at start):
//   {item_path}        the source item's folder, "/" at the root (default --tile-path)
//   {item_name}        the source item's name, e.g. "street_0042.jpg"
//   {item_stem}        the same without its extension
//   {item_id}          V7's id of the source item
//   {source_dataset}   the slug of the dataset the webhook came from
//   {annotation_name}  the patch annotation's name, e.g. "patch (4x6)"
//   {annotation_id}    the patch annotation's id
// Outside text is made safe, never trusted: control characters become '_'; a rendered path
// is normalised to "/a/b" (empty, "." and ".." components dropped) and cut to kMaxPathBytes
// on a UTF-8 boundary; a rendered tag is trimmed, cut to kMaxTagBytes, dropped when empty,
// and duplicates are sent once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.hpp"

namespace patchq::patchjob {

inline constexpr std::size_t kMaxPathBytes = 1000;
inline constexpr std::size_t kMaxTagBytes = 200;
inline constexpr std::size_t kMaxTags = 16;

struct TileOrigin {
  std::string_view item_path;
  std::string_view item_name;
  std::string_view item_id;
  std::string_view source_dataset;
  std::string_view annotation_name;
  std::string_view annotation_id;
};

struct ProvenanceOptions {
  std::string path_template = "{item_path}";
  std::vector<std::string> tag_templates = {"{annotation_name}", "source:{item_name}"};
};

// ok when every placeholder is known and every brace is closed; otherwise the reason.
Status check_template(std::string_view text);
// "a, b ,c" -> {"a", "b", "c"}; empty text -> no tags. Refuses unknown placeholders and more
// than kMaxTags templates.
Result<std::vector<std::string>> parse_tag_templates(std::string_view text);

std::string render_path(std::string_view path_template, const TileOrigin& origin);
std::vector<std::string> render_tags(const std::vector<std::string>& tag_templates,
                                     const TileOrigin& origin);

}  // namespace patchq::patchjob
