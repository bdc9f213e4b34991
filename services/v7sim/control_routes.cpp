// ControlRoutes: see control_routes.hpp for the table.
#include "services/v7sim/control_routes.hpp"

#include <simdjson.h>

#include <charconv>

#include "common/json/json_writer.hpp"
#include "services/v7sim/image_size.hpp"
#include "services/v7sim/routed_call.hpp"
#include "services/v7sim/stage_payload.hpp"
#include "services/v7sim/webhook_payload.hpp"

namespace patchq::v7sim {

namespace {

std::optional<std::string_view> query(const Target& target, const std::string& key) {
  const auto it = target.query.find(key);
  if (it == target.query.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

ControlRoutes::ControlRoutes(SimStore& store, const SimUrls& urls, FaultTable& faults,
                             SimStats& stats, StageRunner& stages, std::string team_name)
    : store_(store),
      urls_(urls),
      faults_(faults),
      stats_(stats),
      stages_(stages),
      team_name_(std::move(team_name)) {}

Response ControlRoutes::handle(const Request& req, const Target& target,
                               const std::vector<std::string>& s) {
  const bool get = req.method() == bhttp::verb::get;
  const bool post = req.method() == bhttp::verb::post;
  const auto n = s.size();
  if (n == 2 && s[1] == "health" && get)
    return http::make_response(req, bhttp::status::ok, R"({"ok":true})");
  if (n >= 3 && s[1] == "datasets") {
    const std::string& slug = s[2];
    if (!is_valid_slug(slug)) {
      return http::json_error(req, bhttp::status::bad_request, "dataset slug must be [a-z0-9_-]");
    }
    if (n == 4 && s[3] == "images" && post) return add_image(req, target, slug);
    if (n == 4 && s[3] == "items" && get) return list_items(req, slug);
    if (n == 6 && s[3] == "items" && s[5] == "file" && get)
      return item_file(req, target, slug, s[4]);
  }
  if (n == 4 && s[1] == "items" && s[3] == "payload" && get) return item_payload(req, s[2]);
  if (n == 4 && s[1] == "items" && s[3] == "payload" && post) return made_payload(req, s[2]);
  if (n == 4 && s[1] == "items" && s[3] == "annotations" && req.method() == bhttp::verb::put)
    return seed_annotations(req, s[2]);
  if (n == 2 && s[1] == "faults" && get)
    return http::make_response(req, bhttp::status::ok, faults_.to_json());
  if (n == 2 && s[1] == "faults" && post) return set_faults(req);
  if (n == 2 && s[1] == "stats" && get)
    return http::make_response(req, bhttp::status::ok, stats_.to_json());
  if (n == 3 && s[1] == "stats" && s[2] == "reset" && post) {
    stats_.clear();
    return http::make_response(req, bhttp::status::ok, "{}");
  }
  if (n == 2 && s[1] == "stage" && post) return start_stage(req);
  if (n == 3 && s[1] == "stage" && s[2] == "attempts" && get) return stage_attempts(req, target);
  return http::json_error(req, bhttp::status::not_found, "no such control route");
}

Response ControlRoutes::add_image(const Request& req, const Target& target,
                                  const std::string& slug) {
  const auto name = query(target, "name");
  if (!name || name->empty() || name->find('/') != std::string_view::npos) {
    return http::json_error(req, bhttp::status::bad_request, "?name=<file name> is required");
  }
  const std::string path(query(target, "path").value_or("/"));
  if (path.empty() || path.front() != '/') {
    return http::json_error(req, bhttp::status::bad_request, "path must start with '/'");
  }
  if (!read_image_size(req.body())) {
    return http::json_error(req, bhttp::status::unsupported_media_type,
                            "body is not a PNG, JPEG, TIFF, WebP, BMP or GIF image");
  }
  const Dataset dataset = store_.ensure_dataset(slug);
  const auto registration = store_.add_confirmed(dataset, *name, path, req.body());
  if (!registration.created) {
    return http::json_error(req, bhttp::status::conflict, "an item with that name and path exists");
  }
  return http::make_response(req, bhttp::status::created,
                             darwin_payload(registration.item, dataset, urls_, team_name_));
}

Response ControlRoutes::list_items(const Request& req, const std::string& slug) const {
  if (!store_.dataset(slug))
    return http::json_error(req, bhttp::status::not_found, "no such dataset");
  json::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& listed : store_.confirmed_items(slug)) {
    const Item item = store_.with_current_content(listed);
    w.begin_object().field("id", item.id).field("name", item.name).field("path", item.path);
    w.field("width", item.width).field("height", item.height).field("bytes", item.bytes);
    w.field("sha256", item.sha256).key("tags").begin_array();
    for (const auto& tag : item.tags) w.value(tag);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return http::make_response(req, bhttp::status::ok, w.take());
}

Response ControlRoutes::item_file(const Request& req, const Target& target, const std::string& slug,
                                  const std::string& name) const {
  const auto item = store_.find_item(slug, name, query(target, "path"));
  if (!item) return http::json_error(req, bhttp::status::not_found, "no such item");
  auto bytes = store_.file_bytes(item->upload_id);
  if (!bytes) return http::json_error(req, bhttp::status::not_found, "the item has no file yet");
  const auto type = sniff_content_type(*bytes);
  return http::make_response(req, bhttp::status::ok, std::move(*bytes), type);
}

Response ControlRoutes::item_payload(const Request& req, const std::string& item_id) const {
  const auto item = store_.item(item_id);
  if (!item) return http::json_error(req, bhttp::status::not_found, "no such item");
  const auto dataset = store_.dataset(item->dataset_slug);
  if (!dataset) return http::json_error(req, bhttp::status::not_found, "no such dataset");
  return http::make_response(req, bhttp::status::ok,
                             darwin_payload(*item, *dataset, urls_, team_name_));
}

Response ControlRoutes::made_payload(const Request& req, const std::string& item_id) const {
  // The body is the spec without item_id; the path names the item.
  simdjson::dom::parser parser;
  simdjson::dom::object spec;
  const std::string body = req.body().empty() ? std::string("{}") : req.body();
  if (parser.parse(body).get_object().get(spec) != simdjson::SUCCESS) {
    return http::json_error(req, bhttp::status::bad_request, "body must be a JSON object");
  }
  json::JsonWriter w;
  w.begin_object().field("item_id", item_id);
  for (auto field : spec) {
    if (field.key != "item_id") w.key(field.key).raw(simdjson::minify(field.value));
  }
  auto made = generated_payload(w.end_object().take(), store_, urls_, team_name_);
  if (!made) return http::json_error(req, bhttp::status::unprocessable_entity, made.error().reason);
  return http::make_response(req, bhttp::status::ok, std::move(made).value());
}

Response ControlRoutes::seed_annotations(const Request& req, const std::string& item_id) {
  if (!store_.item(item_id)) return http::json_error(req, bhttp::status::not_found, "no such item");
  store_.set_annotations(item_id, req.body());
  return http::make_response(req, bhttp::status::no_content, "");
}

Response ControlRoutes::set_faults(const Request& req) {
  auto parsed = parse_fault_command(req.body());
  if (auto* error = std::get_if<std::string>(&parsed)) {
    return http::json_error(req, bhttp::status::bad_request, *error);
  }
  faults_.apply(std::get<FaultCommand>(parsed));
  return http::make_response(req, bhttp::status::ok, faults_.to_json());
}

Response ControlRoutes::start_stage(const Request& req) {
  auto parsed = parse_stage_request(req.body());
  if (auto* error = std::get_if<std::string>(&parsed)) {
    return http::json_error(req, bhttp::status::bad_request, *error);
  }
  auto& request = std::get<StageRequest>(parsed);
  if (!request.item_spec.empty()) {
    auto made = generated_payload(request.item_spec, store_, urls_, team_name_);
    if (!made)
      return http::json_error(req, bhttp::status::unprocessable_entity, made.error().reason);
    request.payload = std::move(made).value();
  }
  const auto id = stages_.start(std::move(request));
  json::JsonWriter w;
  w.begin_object().field("stage_id", id).end_object();
  return http::make_response(req, bhttp::status::accepted, w.take());
}

Response ControlRoutes::stage_attempts(const Request& req, const Target& target) const {
  std::optional<std::uint64_t> id;
  if (const auto text = query(target, "stage_id")) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
      return http::json_error(req, bhttp::status::bad_request, "stage_id must be a number");
    }
    id = value;
  }
  return http::make_response(req, bhttp::status::ok, stages_.to_json(id));
}

}  // namespace patchq::v7sim
