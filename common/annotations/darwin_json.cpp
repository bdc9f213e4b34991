#include "common/annotations/darwin_json.hpp"

#include <simdjson.h>

#include <algorithm>

#include "common/json/json_writer.hpp"

namespace patchq::annotations {
namespace {

using json::JsonWriter;

constexpr std::string_view kSchemaRef =
    "https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json";

void write_box(JsonWriter& w, const Box& b) {
  w.begin_object().field("x", b.x).field("y", b.y).field("w", b.w).field("h", b.h).end_object();
}

void write_paths(JsonWriter& w, const std::vector<Path>& paths) {
  w.begin_array();
  for (const Path& path : paths) {
    w.begin_array();
    for (const Point& p : path) w.begin_object().field("x", p.x).field("y", p.y).end_object();
    w.end_array();
  }
  w.end_array();
}

// The shape's own member: "bounding_box": {...}, "polygon": {"paths"}, "keypoint", "tag".
void write_shape(JsonWriter& w, const CarriedAnnotation& a) {
  w.key(shape_name(a.kind));
  switch (a.kind) {
    case ShapeKind::bounding_box:
      write_box(w, a.box);
      break;
    case ShapeKind::polygon:
      w.begin_object().key("paths");
      write_paths(w, a.paths);
      w.end_object();
      break;
    case ShapeKind::keypoint:
      w.begin_object().field("x", a.keypoint.x).field("y", a.keypoint.y).end_object();
      break;
    case ShapeKind::tag:
      w.begin_object().end_object();
      break;
  }
}

void add_once(std::vector<std::string>& list, std::string entry) {
  if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(std::move(entry));
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "attributes": {"attributes": [<ids>]} for the names the class has.
void write_attributes(JsonWriter& w, const CarriedAnnotation& a, std::int64_t class_id,
                      const AttributeIds& attributes, ImportBody& out) {
  w.key("attributes").begin_object().key("attributes").begin_array();
  for (const std::string& name : attribute_names(a)) {
    const auto it = attributes.find(std::make_pair(class_id, name));
    if (it == attributes.end()) {
      add_once(out.missing_attributes, a.name + ":" + name);
      continue;
    }
    if (all_digits(it->second)) {
      w.raw(it->second);
    } else {
      w.value(it->second);
    }
  }
  w.end_array().end_object();
}

}  // namespace

std::vector<std::string> attribute_names(const CarriedAnnotation& annotation) {
  std::vector<std::string> names;
  for (const auto& [key, raw] : annotation.subs) {
    if (key != "attributes") continue;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(raw).get(doc) != simdjson::SUCCESS) continue;
    simdjson::dom::array list;
    if (doc.get_array().get(list) != simdjson::SUCCESS &&
        doc["attributes"].get_array().get(list) != simdjson::SUCCESS) {
      continue;
    }
    for (simdjson::dom::element e : list) {
      std::string_view name;
      if (e.get_string().get(name) == simdjson::SUCCESS && !name.empty()) {
        names.emplace_back(name);
      }
    }
  }
  return names;
}

std::string_view shape_name(ShapeKind kind) {
  switch (kind) {
    case ShapeKind::bounding_box:
      return "bounding_box";
    case ShapeKind::polygon:
      return "polygon";
    case ShapeKind::keypoint:
      return "keypoint";
    case ShapeKind::tag:
      return "tag";
  }
  return "tag";
}

std::string tile_darwin_json(const TileItem& tile,
                             const std::vector<CarriedAnnotation>& annotations) {
  JsonWriter w;
  w.begin_object().field("version", "2.0").field("schema_ref", kSchemaRef);
  w.key("item").begin_object().field("name", tile.name).field("path", tile.path);
  w.key("slots").begin_array().begin_object();
  w.field("type", "image").field("slot_name", kTileSlot);
  w.field("width", tile.width).field("height", tile.height);
  w.key("source_files").begin_array().begin_object().field("file_name", tile.name).end_object();
  w.end_array().end_object().end_array().end_object();
  w.key("annotations").begin_array();
  for (const auto& a : annotations) {
    w.begin_object().field("id", a.id).field("name", a.name);
    w.key("slot_names").begin_array().value(kTileSlot).end_array();
    write_shape(w, a);
    if (a.kind == ShapeKind::polygon) {
      w.key("bounding_box");
      write_box(w, a.box);
    }
    for (const auto& [key, raw] : a.subs) w.key(key).raw(raw);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

ImportBody import_body(const std::vector<CarriedAnnotation>& annotations, const ClassIds& classes,
                       const AttributeIds& attributes, bool overwrite) {
  ImportBody out;
  JsonWriter w;
  w.begin_object().key("annotations").begin_array();
  for (const auto& a : annotations) {
    const std::string shape(shape_name(a.kind));
    const auto it = classes.find(std::make_pair(shape, a.name));
    if (it == classes.end()) {
      add_once(out.missing_classes, shape + ":" + a.name);
      continue;
    }
    w.begin_object().field("annotation_class_id", it->second);
    w.key("data").begin_object();
    write_shape(w, a);
    bool attributes_written = false;
    for (const auto& [key, raw] : a.subs) {
      if (key != "attributes") {
        w.key(key).raw(raw);
      } else if (!attributes_written) {
        write_attributes(w, a, it->second, attributes, out);
        attributes_written = true;
      }
    }
    w.end_object();
    w.key("context_keys").begin_object().key("slot_names").begin_array().value(kTileSlot);
    w.end_array().end_object();
    w.field("id", a.id).end_object();
    ++out.annotations;
  }
  w.end_array().field("overwrite", overwrite ? "true" : "false").end_object();
  out.json = w.take();
  return out;
}

}  // namespace patchq::annotations
