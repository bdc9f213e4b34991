// ApiRoutes: see api_routes.hpp for the table. Choices where V7's behaviour is not documented:
// unknown dataset in register_upload/direct_upload -> 404 NOT_FOUND; confirm before the PUT
// -> 422 UPLOAD_NOT_UPLOADED; confirm twice -> 200 (a retried confirm must succeed); sign or
// PUT after confirm -> 409 ALREADY_CONFIRMED; another team in the path -> 403.
#include "services/v7sim/api_routes.hpp"

#include <simdjson.h>

#include <boost/beast/http/field.hpp>

#include "common/json/json_writer.hpp"
#include "services/v7sim/existing_batch.hpp"
#include "services/v7sim/image_size.hpp"
#include "services/v7sim/routed_call.hpp"
#include "services/v7sim/upload_batch.hpp"
#include "services/v7sim/v7_responses.hpp"

namespace patchq::v7sim {

namespace {

void write_slot(json::JsonWriter& w, const Item& item) {
  w.begin_object().field("type", "image").field("slot_name", item.slot_name);
  w.field("file_name", item.file_name).field("upload_id", item.upload_id);
  w.field("as_frames", false).field("extract_views", false);
}

// One entry of register_upload's "items" or "blocked_items".
void write_registered(json::JsonWriter& w, const Item& item, std::string_view reason) {
  w.begin_object().field("id", item.id).field("name", item.name).field("path", item.path);
  w.key("slots").begin_array();
  write_slot(w, item);
  if (!reason.empty()) w.field("reason", reason);
  w.end_object().end_array();
  w.end_object();
}

// register_upload's answer shape, shared by every registering call: the arrays written so far.
Response registration_reply(const Request& req, json::JsonWriter& items,
                            json::JsonWriter& blocked) {
  items.end_array();
  blocked.end_array();
  json::JsonWriter w;
  w.begin_object().key("items").raw(items.str()).key("blocked_items").raw(blocked.str());
  w.end_object();
  return json_ok(req, w.take());
}

}  // namespace

ApiRoutes::ApiRoutes(SimStore& store, const SimUrls& urls, std::string team_name,
                     ApiBehaviour behaviour, std::optional<ExternalStorage> storage)
    : store_(store),
      urls_(urls),
      team_name_(std::move(team_name)),
      behaviour_(behaviour),
      storage_(std::move(storage)) {}

std::optional<RoutedCall> ApiRoutes::match(bhttp::verb method, const std::vector<std::string>& s) {
  using Guard = RoutedCall::Guard;
  const auto call = [](std::string_view endpoint, auto run) {
    return RoutedCall{endpoint, Guard::api_key, std::move(run)};
  };
  const bool get = method == bhttp::verb::get;
  const bool post = method == bhttp::verb::post;
  if (s.size() < 2 || s[0] != "api") return std::nullopt;

  if (s.size() == 3 && s[1] == "users" && s[2] == "token_info" && get) {
    return call("token_info", [this](const Request& r, const Target&) { return token_info(r); });
  }
  if (s.size() == 2 && s[1] == "datasets" && get) {
    return call("datasets", [this](const Request& r, const Target&) { return list_datasets(r); });
  }
  if (s.size() == 2 && s[1] == "datasets" && post) {
    return call("datasets", [this](const Request& r, const Target&) { return create_dataset(r); });
  }
  if (s.size() < 6 || s[1] != "v2" || s[2] != "teams") return std::nullopt;
  const std::string& team = s[3];
  // Every team route first checks that the path names the simulator's team.
  const auto for_team = [this, team](auto route) {
    return [this, team, route](const Request& r, const Target& t) -> Response {
      if (team != urls_.team()) {
        return v7_error(r, bhttp::status::forbidden, "FORBIDDEN",
                        "the API key has no access to team " + team);
      }
      return route(r, t);
    };
  };
  if (s.size() == 6 && s[4] == "uploads" && get) {
    const std::string id = s[5];
    return call("download",
                for_team([this, id](const Request& r, const Target&) { return download(r, id); }));
  }
  if (s[4] != "items") return std::nullopt;
  if (s.size() == 6 && post && s[5] == "register_upload") {
    return call("register_upload",
                for_team([this](const Request& r, const Target&) { return register_upload(r); }));
  }
  if (s.size() == 6 && post && s[5] == "direct_upload") {
    return call("direct_upload",
                for_team([this](const Request& r, const Target&) { return direct_upload(r); }));
  }
  if (s.size() == 6 && post &&
      (s[5] == "register_existing" || s[5] == "register_existing_readonly")) {
    const bool readonly = s[5] == "register_existing_readonly";
    // The endpoint name must outlive the request: a literal, not the path segment.
    return call(readonly ? "register_existing_readonly" : "register_existing",
                for_team([this, readonly](const Request& r, const Target&) {
                  return register_existing(r, readonly);
                }));
  }
  if (s.size() == 6 && get) {
    const std::string id = s[5];
    return call("item",
                for_team([this, id](const Request& r, const Target&) { return get_item(r, id); }));
  }
  if (s.size() == 7 && s[6] == "annotations" && get) {
    const std::string id = s[5];
    return call("annotations", for_team([this, id](const Request& r, const Target&) {
                  return item_annotations(r, id);
                }));
  }
  if (s.size() == 8 && s[5] == "uploads" && s[7] == "sign" && get) {
    const std::string id = s[6];
    return call("sign",
                for_team([this, id](const Request& r, const Target&) { return sign(r, id); }));
  }
  if (s.size() == 8 && s[5] == "uploads" && s[7] == "confirm" && post) {
    const std::string id = s[6];
    return call("confirm",
                for_team([this, id](const Request& r, const Target&) { return confirm(r, id); }));
  }
  return std::nullopt;
}

Response ApiRoutes::token_info(const Request& req) const {
  json::JsonWriter w;
  w.begin_object().key("selected_team").begin_object();
  w.field("slug", urls_.team()).field("name", team_name_).end_object().end_object();
  return json_ok(req, w.take());
}

Response ApiRoutes::list_datasets(const Request& req) const {
  json::JsonWriter w;
  w.begin_array();
  for (const auto& d : store_.datasets()) {
    w.begin_object().field("id", d.id).field("name", d.name).field("slug", d.slug);
    w.field("num_items", static_cast<std::uint64_t>(store_.confirmed_items(d.slug).size()));
    w.end_object();
  }
  w.end_array();
  return json_ok(req, w.take());
}

Response ApiRoutes::create_dataset(const Request& req) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(req.body().data(), req.body().size()).get(doc) != simdjson::SUCCESS) {
    return v7_error(req, bhttp::status::bad_request, "INVALID_JSON",
                    "request body is not valid JSON");
  }
  std::string_view name;
  if (doc["name"].get_string().get(name) != simdjson::SUCCESS || slugify(name).empty()) {
    return v7_field_error(req, "name", "can't be blank");
  }
  const auto created = store_.create_dataset(name);
  if (!created) return v7_field_error(req, "name", "has already been taken");
  json::JsonWriter w;
  w.begin_object().field("id", created->id).field("name", created->name);
  w.field("slug", created->slug).end_object();
  return json_ok(req, w.take());
}

// Guess (V7 documents the endpoint, not its answer): {"annotations": [Darwin JSON 2.0
// annotations]}; a seeded answer is served verbatim so tests can model other shapes.
Response ApiRoutes::item_annotations(const Request& req, const std::string& item_id) const {
  if (!store_.item(item_id))
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "item not found");
  auto seeded = store_.annotations(item_id);
  return json_ok(req, seeded ? std::move(*seeded) : std::string(R"({"annotations":[]})"));
}

Response ApiRoutes::get_item(const Request& req, const std::string& item_id) const {
  const auto item = store_.item(item_id);
  if (!item) return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "item not found");
  const auto dataset = store_.dataset(item->dataset_slug);
  const bool confirmed = item->state == ItemState::confirmed;
  json::JsonWriter w;
  w.begin_object().field("id", item->id).field("name", item->name).field("path", item->path);
  w.field("dataset_id", dataset ? dataset->id : 0).field("dataset_slug", item->dataset_slug);
  w.field("status", confirmed ? "new" : "uploading");
  w.field("processing_status", confirmed ? "complete" : "uploading");
  w.field("archived", false).field("priority", 0);
  w.key("slots").begin_array().begin_object();
  w.field("type", "image").field("slot_name", item->slot_name).field("file_name", item->file_name);
  w.field("width", item->width).field("height", item->height).field("size_bytes", item->bytes);
  w.key("source_files").begin_array().begin_object();
  w.field("file_name", item->file_name).field("url", urls_.file_url(item->upload_id));
  w.end_object().end_array().end_object().end_array();
  w.end_object();
  return json_ok(req, w.take());
}

Response ApiRoutes::download(const Request& req, const std::string& upload_id) const {
  const auto item = store_.item_by_upload(upload_id);
  if (!item || item->state == ItemState::registered) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "file not found");
  }
  Response res = http::make_response(req, bhttp::status::found, "", "text/plain");
  res.set(bhttp::field::location, urls_.signed_storage_url(StorageAction::download, upload_id));
  return res;
}

Response ApiRoutes::register_upload(const Request& req) {
  return upload_batch(req, false);
}

Response ApiRoutes::direct_upload(const Request& req) {
  return upload_batch(req, true);
}

Response ApiRoutes::upload_batch(const Request& req, bool direct) {
  auto parsed = parse_upload_batch(req.body(), direct);
  if (auto* error = std::get_if<BatchError>(&parsed)) {
    return v7_error(req, static_cast<bhttp::status>(error->status), error->code, error->message);
  }
  auto& batch = std::get<UploadBatch>(parsed);
  const auto dataset = store_.dataset(batch.dataset_slug);
  if (!dataset) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND",
                    "dataset " + batch.dataset_slug + " not found");
  }
  json::JsonWriter items;
  json::JsonWriter blocked;
  items.begin_array();
  blocked.begin_array();
  for (const auto& entry : batch.items) {
    const auto registration =
        direct ? store_.add_confirmed(*dataset, entry.name, entry.path, *entry.content, entry.tags)
               : store_.register_item(*dataset, entry.name, entry.path, entry.file_name,
                                      entry.slot_name, entry.tags);
    if (registration.created) {
      write_registered(items, registration.item, "");
    } else {
      write_registered(blocked, registration.item, already_exists());
    }
  }
  return registration_reply(req, items, blocked);
}

// Undocumented at V7, chosen here: no storage configured -> 422 STORAGE_NOT_CONFIGURED; another
// storage_slug -> 404 NOT_FOUND; an object the stand-in cannot read, one that is not an image,
// a thumbnail that is missing or not an image, or a width/height that differs from the
// object's own header -> that item blocked with STORAGE_KEY_NOT_FOUND, UNSUPPORTED_FILE_TYPE,
// THUMBNAIL_NOT_FOUND or DIMENSIONS_MISMATCH (V7 itself would register it and fail processing
// later; the stand-in says so at once, so tests catch it). Objects are checked by their first
// bytes (probe_object); the item keeps its storage key and its bytes stay in the bucket.
Response ApiRoutes::register_existing(const Request& req, bool readonly) {
  auto parsed = parse_existing_batch(req.body(), readonly);
  if (auto* error = std::get_if<BatchError>(&parsed)) {
    return v7_error(req, static_cast<bhttp::status>(error->status), error->code, error->message);
  }
  auto& batch = std::get<ExistingBatch>(parsed);
  if (!storage_) {
    return v7_error(req, bhttp::status::unprocessable_entity, "STORAGE_NOT_CONFIGURED",
                    "the team has no external storage configured");
  }
  if (batch.storage_slug != storage_->slug) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND",
                    "storage " + batch.storage_slug + " not found");
  }
  const auto dataset = store_.dataset(batch.dataset_slug);
  if (!dataset) {
    return v7_error(req, bhttp::status::not_found, "NOT_FOUND",
                    "dataset " + batch.dataset_slug + " not found");
  }
  const std::string_view exists = already_exists();
  json::JsonWriter items;
  json::JsonWriter blocked;
  items.begin_array();
  blocked.begin_array();
  const auto block = [&blocked](const ExistingEntry& entry, std::string_view reason) {
    Item shown;
    shown.name = entry.name;
    shown.path = entry.path;
    shown.file_name = entry.file_name;
    shown.slot_name = entry.slot_name;
    write_registered(blocked, shown, reason);
  };
  // Every object (and thumbnail) of items not registered yet is probed first, together.
  std::vector<std::string> keys;
  std::vector<std::size_t> probe_at(batch.items.size(), 0);
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    const auto& entry = batch.items[i];
    if (store_.find_item(dataset->slug, entry.name, normalize_item_path(entry.path))) continue;
    probe_at[i] = keys.size();
    keys.push_back(entry.storage_key);
    if (readonly) keys.push_back(entry.thumbnail_key);
  }
  const auto probed = probe_objects(*storage_, keys);
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    const auto& entry = batch.items[i];
    const std::string path = normalize_item_path(entry.path);
    if (auto existing = store_.find_item(dataset->slug, entry.name, path)) {
      write_registered(blocked, *existing, exists);
      continue;
    }
    const auto& object = probed[probe_at[i]];
    if (!object) {
      block(entry, "STORAGE_KEY_NOT_FOUND");
      continue;
    }
    if (!object->image) {
      block(entry, "UNSUPPORTED_FILE_TYPE");
      continue;
    }
    if (readonly) {
      const auto& thumbnail = probed[probe_at[i] + 1];
      if (!thumbnail || !thumbnail->image) {
        block(entry, "THUMBNAIL_NOT_FOUND");
        continue;
      }
      if (object->image->width != entry.width || object->image->height != entry.height) {
        block(entry, "DIMENSIONS_MISMATCH");
        continue;
      }
    }
    const auto registration =
        store_.add_external(*dataset, entry.name, path, entry.storage_key, object->bytes,
                            object->image->width, object->image->height, entry.tags);
    write_registered(registration.created ? items : blocked, registration.item,
                     registration.created ? "" : exists);
  }
  return registration_reply(req, items, blocked);
}

std::string_view ApiRoutes::already_exists() const {
  return behaviour_.lowercase_blocked_reasons ? "already_exists" : "ALREADY_EXISTS";
}

Response ApiRoutes::sign(const Request& req, const std::string& upload_id) const {
  const auto item = store_.item_by_upload(upload_id);
  if (!item) return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "upload not found");
  if (item->state == ItemState::confirmed && !behaviour_.sign_confirmed_uploads) {
    return v7_error(req, bhttp::status::conflict, "ALREADY_CONFIRMED",
                    "the upload is already confirmed");
  }
  json::JsonWriter w;
  w.begin_object().field("upload_url", urls_.signed_storage_url(StorageAction::upload, upload_id));
  w.end_object();
  return json_ok(req, w.take());
}

Response ApiRoutes::confirm(const Request& req, const std::string& upload_id) {
  switch (store_.confirm(upload_id)) {
    case UploadStatus::ok:
    case UploadStatus::already_confirmed:
      return json_ok(req, "{}");
    case UploadStatus::not_found:
      return v7_error(req, bhttp::status::not_found, "NOT_FOUND", "upload not found");
    case UploadStatus::not_uploaded:
      break;
  }
  return v7_error(req, bhttp::status::unprocessable_entity, "UPLOAD_NOT_UPLOADED",
                  "no file was uploaded for this upload_id");
}

}  // namespace patchq::v7sim
