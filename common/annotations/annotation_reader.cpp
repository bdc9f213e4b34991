#include "common/annotations/annotation_reader.hpp"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <optional>

namespace patchq::annotations {
namespace {

using simdjson::dom::element;

// The payload parser's bound on coordinates, so clipped math never meets huge values.
constexpr double kMaxCoordinate = 1e9;

// Main shapes of Darwin JSON that patchq does not carry (darwin-py's list of main types).
constexpr std::array<std::string_view, 11> kUncarriedShapes = {
    "cuboid", "ellipse",      "line",  "link", "skeleton",    "string",
    "table",  "simple_table", "graph", "mask", "raster_layer"};

// Sub-annotations kept as they are.
constexpr std::array<std::string_view, 3> kKeptSubs = {"attributes", "text", "instance_id"};

std::optional<double> coordinate(element parent, std::string_view key) {
  double v = 0;
  if (parent[key].get_double().get(v) != simdjson::SUCCESS) return std::nullopt;
  if (!std::isfinite(v) || std::abs(v) > kMaxCoordinate) return std::nullopt;
  return v;
}

std::optional<Point> point_at(element e) {
  auto x = coordinate(e, "x");
  auto y = coordinate(e, "y");
  if (!x || !y) return std::nullopt;
  return Point{*x, *y};
}

std::optional<Box> box_at(element e) {
  auto x = coordinate(e, "x");
  auto y = coordinate(e, "y");
  auto w = coordinate(e, "w");
  auto h = coordinate(e, "h");
  if (!x || !y || !w || !h || *w < 0 || *h < 0) return std::nullopt;
  return Box{*x, *y, *w, *h};
}

// One path: a list of {x, y}. nullopt when any point is broken.
std::optional<Path> path_at(element e, std::size_t& points_left) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return std::nullopt;
  Path path;
  for (element p : list) {
    if (points_left == 0) return std::nullopt;
    auto point = point_at(p);
    if (!point) return std::nullopt;
    path.push_back(*point);
    --points_left;
  }
  return path;
}

enum class Outcome { carried, unknown_shape, malformed, over_limit };

// Darwin JSON 2.0 "polygon": {"paths": [[...], ...]}; Darwin JSON 1.0 "polygon": {"path": [...]}
// and "complex_polygon": {"path": [[...], ...]} are read too.
Outcome read_polygon(element shape, bool complex, std::size_t& points_left,
                     CarriedAnnotation& out) {
  simdjson::dom::array paths;
  element single;
  const bool many = shape[complex ? "path" : "paths"].get_array().get(paths) == simdjson::SUCCESS;
  if (!many && (complex || shape["path"].get(single) != simdjson::SUCCESS)) {
    return Outcome::malformed;
  }
  auto add = [&](element e) {
    auto path = path_at(e, points_left);
    if (!path) return false;
    if (path->size() >= 3) out.paths.push_back(std::move(*path));
    return true;
  };
  if (many) {
    for (element e : paths) {
      if (!add(e)) return points_left == 0 ? Outcome::over_limit : Outcome::malformed;
    }
  } else if (!add(single)) {
    return points_left == 0 ? Outcome::over_limit : Outcome::malformed;
  }
  if (out.paths.empty()) return Outcome::malformed;
  out.kind = ShapeKind::polygon;
  return Outcome::carried;
}

Outcome read_shape(element a, std::size_t& points_left, CarriedAnnotation& out) {
  for (std::string_view key : kUncarriedShapes) {
    element ignored;
    if (a[key].get(ignored) == simdjson::SUCCESS && !ignored.is_null()) {
      return Outcome::unknown_shape;
    }
  }
  element shape;
  if (a["polygon"].get(shape) == simdjson::SUCCESS && !shape.is_null()) {
    return read_polygon(shape, false, points_left, out);
  }
  if (a["complex_polygon"].get(shape) == simdjson::SUCCESS && !shape.is_null()) {
    return read_polygon(shape, true, points_left, out);
  }
  if (a["keypoint"].get(shape) == simdjson::SUCCESS && !shape.is_null()) {
    auto point = point_at(shape);
    if (!point) return Outcome::malformed;
    out.kind = ShapeKind::keypoint;
    out.keypoint = *point;
    return Outcome::carried;
  }
  if (a["bounding_box"].get(shape) == simdjson::SUCCESS && !shape.is_null()) {
    auto box = box_at(shape);
    if (!box) return Outcome::malformed;
    out.kind = ShapeKind::bounding_box;
    out.box = *box;
    return Outcome::carried;
  }
  if (a["tag"].get(shape) == simdjson::SUCCESS && !shape.is_null()) {
    out.kind = ShapeKind::tag;
    return Outcome::carried;
  }
  return Outcome::unknown_shape;
}

bool on_slot(element a, const std::string& slot, std::vector<std::string>& names) {
  simdjson::dom::array list;
  if (a["slot_names"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      std::string_view s;
      if (e.get_string().get(s) == simdjson::SUCCESS) names.emplace_back(s);
    }
  }
  if (slot.empty() || names.empty()) return true;
  for (const auto& name : names) {
    if (name == slot) return true;
  }
  return false;
}

void read_one(element a, std::size_t index, const ReadOptions& options, std::size_t& points_left,
              ReadResult& out) {
  if (!a.is_object()) {
    ++out.malformed;
    return;
  }
  std::string_view name;
  if (a["name"].get_string().get(name) != simdjson::SUCCESS || name.empty()) {
    ++out.malformed;  // V7 needs the class name to import it
    return;
  }
  if (options.is_patch && options.is_patch(name)) {
    ++out.patches;
    return;
  }
  CarriedAnnotation carried;
  if (!on_slot(a, options.slot_name, carried.slot_names)) {
    ++out.other_slot;
    return;
  }
  carried.name = std::string(name);
  std::string_view id;
  // Without an id (legacy exports), the position names it: stable within one payload.
  carried.id = a["id"].get_string().get(id) == simdjson::SUCCESS && !id.empty()
                   ? std::string(id)
                   : "#" + std::to_string(index);
  switch (read_shape(a, points_left, carried)) {
    case Outcome::carried:
      break;
    case Outcome::unknown_shape:
      ++out.unknown_shape;
      return;
    case Outcome::malformed:
      ++out.malformed;
      return;
    case Outcome::over_limit:
      ++out.over_limit;
      return;
  }
  for (std::string_view key : kKeptSubs) {
    element sub;
    if (a[key].get(sub) == simdjson::SUCCESS && !sub.is_null()) {
      carried.subs.emplace_back(std::string(key), simdjson::minify(sub));
    }
  }
  out.annotations.push_back(std::move(carried));
}

}  // namespace

Result<ReadResult> read_annotations(std::string_view payload_json, const ReadOptions& options) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(payload_json.data(), payload_json.size()).get(doc) != simdjson::SUCCESS) {
    return fail("payload is not valid JSON");
  }
  ReadResult out;
  simdjson::dom::array list;
  if (doc.get_array().get(list) == simdjson::SUCCESS) {
    // A bare list of annotations.
  } else if (!doc.is_object()) {
    return fail("payload is not a JSON object or list");
  } else if (doc["annotations"].get_array().get(list) != simdjson::SUCCESS) {
    return out;
  }
  // Legacy layout: a list per file; the item is the first file.
  if (list.size() > 0 && list.at(0).is_array()) {
    if (list.at(0).get_array().get(list) != simdjson::SUCCESS) return out;
  }
  std::size_t points_left = options.max_points;
  std::size_t seen = 0;
  for (element a : list) {
    if (seen++ >= options.max_annotations) {
      ++out.over_limit;
      continue;
    }
    read_one(a, seen - 1, options, points_left, out);
  }
  return out;
}

}  // namespace patchq::annotations
