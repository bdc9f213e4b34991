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

// V7's annotation types as the stand-in numbers them: the shapes, then sub-annotation types
// (darwin-py looks ids up by name, so only the names matter).
constexpr std::array<std::string_view, 19> kTypeNames = {
    "bounding_box", "cuboid",      "ellipse",           "keypoint",
    "line",         "link",        "polygon",           "skeleton",
    "tag",          "string",      "simple_table",      "table",
    "graph",        "mask",        "raster_layer",      "attributes",
    "text",         "instance_id", "directional_vector"};

std::int64_t type_id_of(std::string_view name) {
  const auto it = std::find(kTypeNames.begin(), kTypeNames.end(), name);
  return it == kTypeNames.end() ? 0 : static_cast<std::int64_t>(it - kTypeNames.begin()) + 1;
}

std::optional<std::int64_t> number_in(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

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
  if (s.size() == 2 && s[0] == "api" && s[1] == "annotation_types" && method == bhttp::verb::get) {
    return RoutedCall{"annotation_types", RoutedCall::Guard::api_key,
                      [this](const Request& r, const Target&) { return list_types(r); }};
  }
  if (s.size() == 2 && s[0] == "api" && s[1] == "annotation_classes" &&
      method == bhttp::verb::post) {
    return RoutedCall{"create_annotation_class", RoutedCall::Guard::api_key,
                      [this](const Request& r, const Target&) { return create_class(r); }};
  }
  if (s.size() == 3 && s[0] == "api" && s[1] == "annotation_classes" &&
      method == bhttp::verb::put) {
    const auto class_id = number_in(s[2]);
    return RoutedCall{"update_annotation_class", RoutedCall::Guard::api_key,
                      [this, class_id](const Request& r, const Target&) {
                        if (!class_id) {
                          return v7_error(r, bhttp::status::not_found, "NOT_FOUND",
                                          "no such annotation class");
                        }
                        return update_class(r, *class_id);
                      }};
  }
  if (s.size() == 4 && s[0] == "api" && s[1] == "datasets" && s[3] == "attributes" &&
      method == bhttp::verb::get) {
    const auto dataset_id = number_in(s[2]);
    return RoutedCall{"attributes", RoutedCall::Guard::api_key,
                      [this, dataset_id](const Request& r, const Target&) {
                        if (!dataset_id) {
                          return v7_error(r, bhttp::status::not_found, "NOT_FOUND",
                                          "no such dataset");
                        }
                        return list_attributes(r, *dataset_id);
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
  if (s.size() == 2 && s[1] == "attributes" && req.method() == bhttp::verb::post) {
    return add_attribute(req);
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
    w.end_array().key("datasets").begin_array();
    for (const auto id : c.datasets) w.begin_object().field("id", id).end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return json_ok(req, w.take());
}

Response ImportRoutes::list_types(const Request& req) const {
  json::JsonWriter w;
  w.begin_array();
  for (const auto name : kTypeNames) {
    w.begin_object().field("id", type_id_of(name)).field("name", name).end_object();
  }
  return json_ok(req, w.end_array().take());
}

Response ImportRoutes::create_class(const Request& req) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body()).get(doc) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::bad_request, "BAD_REQUEST", "body is not JSON");
  }
  std::string_view name;
  std::int64_t dataset_id = 0;
  simdjson::dom::array type_ids;
  if (doc["name"].get_string().get(name) != simdjson::SUCCESS || name.empty() ||
      doc["dataset_id"].get_int64().get(dataset_id) != simdjson::SUCCESS ||
      doc["annotation_type_ids"].get_array().get(type_ids) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "expected name, dataset_id and annotation_type_ids");
  }
  const auto datasets = store_.datasets();
  if (std::none_of(datasets.begin(), datasets.end(),
                   [&](const Dataset& d) { return d.id == dataset_id; })) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "no dataset " + std::to_string(dataset_id));
  }
  AnnotationClass c;
  c.name = std::string(name);
  c.datasets.push_back(dataset_id);
  for (simdjson::dom::element t : type_ids) {
    std::int64_t id = 0;
    if (t.get_int64().get(id) != simdjson::SUCCESS || id < 1 ||
        id > static_cast<std::int64_t>(kTypeNames.size())) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "unknown annotation type id");
    }
    c.types.emplace_back(kTypeNames[static_cast<std::size_t>(id - 1)]);
  }
  if (c.types.empty()) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "annotation_type_ids is empty");
  }
  std::lock_guard lock(mu_);
  for (const auto& existing : classes_) {
    if (existing.name != c.name) continue;
    for (const auto& type : c.types) {
      if (std::find(existing.types.begin(), existing.types.end(), type) != existing.types.end()) {
        return v7_field_error(req, "name", "has already been taken");
      }
    }
  }
  c.id = 1000 + static_cast<std::int64_t>(classes_.size());
  classes_.push_back(c);
  json::JsonWriter w;
  w.begin_object().field("id", c.id).field("name", c.name).key("annotation_types").begin_array();
  for (const auto& t : c.types) w.value(t);
  w.end_array().key("datasets").begin_array().begin_object().field("id", dataset_id);
  w.end_object().end_array().end_object();
  return json_ok(req, w.take());
}

Response ImportRoutes::update_class(const Request& req, std::int64_t class_id) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body()).get(doc) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::bad_request, "BAD_REQUEST", "body is not JSON");
  }
  simdjson::dom::array list;
  if (doc["datasets"].get_array().get(list) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                    "expected datasets: [{id}]");
  }
  const auto known = store_.datasets();
  std::vector<std::int64_t> datasets;
  for (simdjson::dom::element d : list) {
    std::int64_t id = 0;
    if (d["id"].get_int64().get(id) != simdjson::SUCCESS ||
        std::none_of(known.begin(), known.end(), [&](const Dataset& k) { return k.id == id; })) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "datasets names an unknown dataset");
    }
    if (std::find(datasets.begin(), datasets.end(), id) == datasets.end()) datasets.push_back(id);
  }
  std::lock_guard lock(mu_);
  const auto cls = std::find_if(classes_.begin(), classes_.end(),
                                [&](const AnnotationClass& c) { return c.id == class_id; });
  if (cls == classes_.end()) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "no such annotation class");
  }
  cls->datasets = std::move(datasets);
  json::JsonWriter w;
  w.begin_object().field("id", cls->id).field("name", cls->name).key("datasets").begin_array();
  for (const auto id : cls->datasets) w.begin_object().field("id", id).end_object();
  return json_ok(req, w.end_array().end_object().take());
}

Response ImportRoutes::list_attributes(const Request& req, std::int64_t dataset_id) const {
  const auto datasets = store_.datasets();
  if (std::none_of(datasets.begin(), datasets.end(),
                   [&](const Dataset& d) { return d.id == dataset_id; })) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND",
                    "no dataset " + std::to_string(dataset_id));
  }
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_array();
  for (const auto& a : attributes_) {
    if (a.dataset_id != dataset_id) continue;
    w.begin_object().field("id", a.id).field("name", a.name).field("class_id", a.class_id);
    w.end_object();
  }
  return json_ok(req, w.end_array().take());
}

Response ImportRoutes::add_attribute(const Request& req) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Attribute a;
  std::string_view name;
  if (parser.parse(req.body()).get(doc) != simdjson::SUCCESS ||
      doc["class_id"].get_int64().get(a.class_id) != simdjson::SUCCESS ||
      doc["dataset_id"].get_int64().get(a.dataset_id) != simdjson::SUCCESS ||
      doc["name"].get_string().get(name) != simdjson::SUCCESS || name.empty()) {
    return http::json_error(req, bhttp::status::bad_request,
                            "expected {\"class_id\",\"dataset_id\",\"name\"}");
  }
  a.name = std::string(name);
  std::lock_guard lock(mu_);
  a.id = 5000 + static_cast<std::int64_t>(attributes_.size());
  attributes_.push_back(a);
  json::JsonWriter w;
  return json_ok(req, w.begin_object().field("id", a.id).end_object().take(),
                 bhttp::status::created);
}

std::string ImportRoutes::attributes_problem(simdjson::dom::element attributes,
                                             std::int64_t class_id) const {
  simdjson::dom::array ids;
  if (attributes["attributes"].get_array().get(ids) != simdjson::SUCCESS) {
    return "attributes must be {\"attributes\": [ids]}";
  }
  for (simdjson::dom::element e : ids) {
    std::int64_t id = 0;
    if (e.get_int64().get(id) != simdjson::SUCCESS) return "attribute ids must be integers";
    const bool known = std::any_of(attributes_.begin(), attributes_.end(), [&](const Attribute& a) {
      return a.id == id && a.class_id == class_id;
    });
    if (!known)
      return "no attribute " + std::to_string(id) + " of class " + std::to_string(class_id);
  }
  return "";
}

Response ImportRoutes::import(const Request& req, const std::string& item_id) {
  const auto item = store_.item(item_id);
  if (!item) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "no item " + item_id);
  }
  std::int64_t item_dataset = 0;
  for (const Dataset& d : store_.datasets()) {
    if (d.slug == item->dataset_slug) item_dataset = d.id;
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
    if (std::find(cls->datasets.begin(), cls->datasets.end(), item_dataset) ==
        cls->datasets.end()) {
      return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR",
                      "annotation class " + cls->name + " is not in the item's dataset");
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
    if (simdjson::dom::element attributes;
        data["attributes"].get(attributes) == simdjson::SUCCESS) {
      if (const std::string problem = attributes_problem(attributes, class_id); !problem.empty()) {
        return v7_error(req, bhttp::status::unprocessable_entity, "VALIDATION_ERROR", problem);
      }
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
  if (simdjson::dom::array datasets;
      doc["datasets"].get_array().get(datasets) == simdjson::SUCCESS) {
    for (simdjson::dom::element d : datasets) {
      std::int64_t id = 0;
      if (d.get_int64().get(id) == simdjson::SUCCESS) c.datasets.push_back(id);
    }
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
