// Darwin JSON 2.0 for carried annotations, written with common/json:
//   - tile_darwin_json: one tile's annotation file (item name, path, its one image slot, the
//     annotations), for bulk import with darwin-py (`darwin dataset import <ds> darwin <dir>`)
//   - import_body: the body of POST /api/v2/teams/{team}/items/{item_id}/import, as darwin-py's
//     importer builds it: {"annotations": [{"annotation_class_id", "data": {<shape>: ...,
//     sub-annotations}, "context_keys": {"slot_names"}, "id"}], "overwrite": "true"}.
// V7's import names classes by id, so each annotation needs its class's id from the team's
// classes (`GET /api/teams/{team}/annotation_classes`); one whose class is not there is left
// out and reported. Sub-annotations as darwin-py's importer sends them: "text": {"text"} and
// "instance_id": {"value"} as read; attributes go into the file by name and into the import
// as {"attributes": {"attributes": [<ids>]}}, each name looked up among the dataset's
// attributes of the annotation's class (`GET /api/datasets/{id}/attributes`); a name that is
// not there is left out and reported, as darwin-py does (it creates no attributes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/annotations/shape.hpp"

namespace patchq::annotations {

// The slot a tile's item has: patchq uploads every tile as slot "0".
inline constexpr std::string_view kTileSlot = "0";

// Darwin JSON's name for a shape: "bounding_box", "polygon", "keypoint", "tag".
std::string_view shape_name(ShapeKind kind);

struct TileItem {
  std::string name;  // the tile's item name, e.g. "cars_<id>_r0c1.png"
  std::string path = "/";
  std::int64_t width = 0;
  std::int64_t height = 0;
};

std::string tile_darwin_json(const TileItem& tile,
                             const std::vector<CarriedAnnotation>& annotations);

// (shape name, class name) -> the team's annotation class id.
using ClassIds = std::map<std::pair<std::string, std::string>, std::int64_t, std::less<>>;

// (class id, attribute name) -> the attribute's id, as V7 spells it (a number or a string).
using AttributeIds = std::map<std::pair<std::int64_t, std::string>, std::string, std::less<>>;

// The attribute names of an annotation's "attributes" sub-annotation: Darwin JSON 2.0's list
// of names, or 1.0's {"attributes": [names]}. Empty when it has none.
std::vector<std::string> attribute_names(const CarriedAnnotation& annotation);

struct ImportBody {
  std::string json;
  std::size_t annotations = 0;                  // in the body
  std::vector<std::string> missing_classes;     // "<shape>:<name>" of those left out
  std::vector<std::string> missing_attributes;  // "<class>:<attribute>" of those left out
};

// `overwrite`: V7 replaces the item's annotations with these ("true") or adds them ("false").
ImportBody import_body(const std::vector<CarriedAnnotation>& annotations, const ClassIds& classes,
                       const AttributeIds& attributes, bool overwrite);

}  // namespace patchq::annotations
