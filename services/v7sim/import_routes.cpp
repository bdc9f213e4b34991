// ImportRoutes: see import_routes.hpp for the routes and the guesses they make.
#include "services/v7sim/import_routes.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>

#include "common/json/json_writer.hpp"
#include "services/v7sim/v7_responses.hpp"

namespace patchq::v7sim {
namespace {

constexpr std::size_t kMaxAnnotationsPerImport = 100'000;

// The data keys that name a shape (darwin-py's main annotation types).
constexpr std::array<std::string_view, 15> kShapes = {
    "bounding_box", "cuboid", "ellipse", "keypoint",     "line",  "link", "polygon",     "skeleton",
    "tag",          "string", "table",   "simple_table", "graph", "mask", "raster_layer"};

Response forbidden(const Request& req, const std::string& team) {
  return v7_error(req, bhttp::status::forbidden, "FORBIDDEN",
                  "the API key has no access to team " + team);
}

}  // namespace

ImportRoutes::ImportRoutes(SimStore& store, const SimUrls& urls) : store_(store), urls_(urls) {}

std::optional<RoutedCall> ImportRoutes::match(bhttp::verb method,
                                              const std::vector<std::string>& s) {
  if (s.size() == 4 && s[0] == "api" && s[1] == "teams" && s[3] == "annotation_classes" &&
      method == bhttp::verb::get) {
    const std::string team = s[2];
    return RoutedCall{"annotation_classes", RoutedCall::Guard::api_key,
                      [this, team](const Request& r, const Target&) {
                        return team == urls_.team() ? list_classes(r) : forbidden(r, team);
                      }};
  }
  if (s.size() == 7 && s[0] == "api" && s[1] == "v2" && s[2] == "teams" && s[4] == "items" &&
      s[6] == "import" && method == bhttp::verb::post) {
    const std::string team = s[3];
    const std::string item_id = s[5];
    return RoutedCall{"import_annotations", RoutedCall::Guard::api_key,
                      [this, team, item_id](const Request& r, const Target&) {
                        return team == urls_.team() ? import(r, item_id) : forbidden(r, team);
                      }};
  }
  return std::nullopt;
}

std::optional<Response> ImportRoutes::control(const Request& req,
                                              const std::vector<std::string>& s) {
  if (s.size() == 2 && s[1] == "annotation_classes" && req.method() == bhttp::verb::post) {
    return add_class(req);
  }
  if (s.size() == 4 && s[1] == "items" && s[3] == "annotations" &&
      req.method() == bhttp::verb::get) {
    return item_annotations(req, s[2]);
  }
  return std::nullopt;
}

Response ImportRoutes::list_classes(const Request& req) const {
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_object().key("annotation_classes").begin_array();
  for (const auto& c : classes_) {
    w.begin_object().field("id", c.id).field("name", c.name).key("annotation_types");
    w.begin_array();
    for (const auto& t : c.types) w.value(t);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return json_ok(req, w.take());
}

Response ImportRoutes::import(const Request& req, const std::string& item_id) {
  if (!store_.item(item_id)) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "no item " + item_id);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body()).get(doc) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::bad_request, "BAD_REQUEST", "body is not JSON");
  }
  simdjson::dom::array list;
  if (doc["annotations"].get_array().get(list) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "annotations must be an array");
  }
  if (list.size() > kMaxAnnotationsPerImport) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "too many annotations in one import");
  }
  std::string_view overwrite;
  const bool replace =
      doc["overwrite"].get_string().get(overwrite) == simdjson::SUCCESS && overwrite == "true";
  std::vector<std::string> accepted;
  std::lock_guard lock(mu_);
  for (simdjson::dom::element a : list) {
    std::int64_t class_id = 0;
    simdjson::dom::object data;
    if (a["annotation_class_id"].get_int64().get(class_id) != simdjson::SUCCESS ||
        a["data"].get_object().get(data) != simdjson::SUCCESS) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "each annotation needs annotation_class_id and data");
    }
    const auto cls = std::find_if(classes_.begin(), classes_.end(),
                                  [&](const AnnotationClass& c) { return c.id == class_id; });
    if (cls == classes_.end()) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "unknown annotation_class_id " + std::to_string(class_id));
    }
    std::size_t shapes = 0;
    bool shape_of_class = false;
    for (auto field : data) {
      if (std::find(kShapes.begin(), kShapes.end(), field.key) == kShapes.end()) continue;
      ++shapes;
      shape_of_class =
          std::find(cls->types.begin(), cls->types.end(), field.key) != cls->types.end();
    }
    if (shapes != 1 || !shape_of_class) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "data must hold one shape of class " + cls->name + "'s type");
    }
    accepted.push_back(simdjson::minify(a));
  }
  ItemAnnotations& stored = items_[item_id];
  ++stored.imports;
  if (replace) stored.annotations.clear();
  for (auto& a : accepted) stored.annotations.push_back(std::move(a));
  return json_ok(req, "{}");
}

Response ImportRoutes::add_class(const Request& req) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view name;
  simdjson::dom::array types;
  if (parser.parse(req.body()).get(doc) != simdjson::SUCCESS ||
      doc["name"].get_string().get(name) != simdjson::SUCCESS || name.empty() ||
      doc["annotation_types"].get_array().get(types) != simdjson::SUCCESS) {
    return http::json_error(req, bhttp::status::bad_request,
                            "expected {\"name\",\"annotation_types\":[...]}");
  }
  AnnotationClass c;
  c.name = std::string(name);
  for (simdjson::dom::element t : types) {
    std::string_view type;
    if (t.get_string().get(type) == simdjson::SUCCESS) c.types.emplace_back(type);
  }
  std::lock_guard lock(mu_);
  c.id = 1000 + static_cast<std::int64_t>(classes_.size());
  classes_.push_back(c);
  json::JsonWriter w;
  return json_ok(req, w.begin_object().field("id", c.id).end_object().take(),
                 bhttp::status::created);
}

Response ImportRoutes::item_annotations(const Request& req, const std::string& item_id) const {
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_object();
  const auto it = items_.find(item_id);
  w.field("imports", it == items_.end() ? std::size_t{0} : it->second.imports);
  w.key("annotations").begin_array();
  if (it != items_.end()) {
    for (const auto& a : it->second.annotations) w.raw(a);
  }
  w.end_array().end_object();
  return json_ok(req, w.take());
}

}  // namespace patchq::v7sim
