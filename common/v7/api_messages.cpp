#include "common/v7/api_messages.hpp"

#include <simdjson.h>

#include "common/codec/base64.hpp"
#include "common/json/json_writer.hpp"

namespace patchq::v7 {
namespace {

using simdjson::dom::element;

// Parses `body` into `doc`, keeping the parser alive in `parser`.
Status parse(simdjson::dom::parser& parser, std::string_view body, element& doc) {
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return fail("response is not valid JSON");
  }
  return ok_status();
}

std::optional<std::string_view> string_at(element e, std::string_view key) {
  std::string_view out;
  if (e[key].get_string().get(out) != simdjson::SUCCESS) return std::nullopt;
  return out;
}

// The fields every registration call starts an item with (darwin-py's upload_manager sends
// the same: name, path and, when set, tags).
void write_item_head(json::JsonWriter& w, std::string_view name, std::string_view path,
                     const std::vector<std::string>& tags) {
  w.begin_object().field("name", name).field("path", path);
  if (tags.empty()) return;
  w.key("tags").begin_array();
  for (const auto& tag : tags) w.value(tag);
  w.end_array();
}

void write_slots(json::JsonWriter& w, std::string_view name, std::string_view* content) {
  w.key("slots").begin_array().begin_object();
  w.field("file_name", name).field("slot_name", "0");
  // Base64 needs no JSON escaping: insert it as is (escaping megabytes costs more than
  // encoding them).
  if (content != nullptr) w.key("file_content").raw(*content);
  w.end_object().end_array();
}

// An item id: V7's are UUID strings; a number is taken as its decimal text.
std::string item_id_at(element e) {
  std::string_view text;
  if (e["id"].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  std::int64_t number = 0;
  if (e["id"].get_int64().get(number) == simdjson::SUCCESS) return std::to_string(number);
  return {};
}

}  // namespace

std::string build_register_upload(std::string_view dataset_slug,
                                  const std::vector<UploadItem>& items) {
  json::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& item : items) {
    write_item_head(w, item.name, item.path, item.tags);
    write_slots(w, item.name, nullptr);
    w.end_object();
  }
  w.end_array().field("dataset_slug", dataset_slug);
  w.key("options").begin_object().field("handle_as_slices", false).end_object();
  return w.end_object().take();
}

std::string build_direct_upload(std::string_view dataset_slug,
                                const std::vector<DirectUploadItem>& items) {
  json::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& item : items) {
    const std::string encoded = "\"" + codec::base64_encode(item.bytes) + "\"";
    std::string_view view(encoded);
    write_item_head(w, item.name, item.path, item.tags);
    write_slots(w, item.name, &view);
    w.end_object();
  }
  w.end_array().field("dataset_slug", dataset_slug);
  w.key("options").begin_object().field("handle_as_slices", false).end_object();
  return w.end_object().take();
}

std::string build_register_existing(std::string_view dataset_slug, std::string_view storage_slug,
                                    const std::vector<ExistingItem>& items, bool readonly) {
  json::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& item : items) {
    write_item_head(w, item.name, item.path, item.tags);
    w.key("slots").begin_array().begin_object();
    w.field("slot_name", "0").field("file_name", item.name).field("storage_key", item.storage_key);
    if (readonly) {
      w.field("storage_thumbnail_key", item.storage_thumbnail_key);
      w.field("width", item.width).field("height", item.height);
    }
    w.end_object().end_array();
    w.end_object();
  }
  w.end_array().field("dataset_slug", dataset_slug).field("storage_slug", storage_slug);
  return w.end_object().take();
}

std::size_t direct_upload_envelope_bytes(std::string_view dataset_slug) {
  return build_direct_upload(dataset_slug, {}).size();
}

std::size_t direct_upload_item_bytes(const DirectUploadItem& item) {
  const DirectUploadItem empty{item.name, item.path, {}, item.tags};
  // One item's JSON with empty content, minus the envelope around it, plus the base64 and the
  // comma that separates it from the next item.
  const std::size_t with_one = build_direct_upload("", {empty}).size();
  return with_one - build_direct_upload("", {}).size() + base64_size(item.bytes.size()) + 1;
}

std::string build_create_dataset(std::string_view name) {
  json::JsonWriter w;
  return w.begin_object().field("name", name).end_object().take();
}

Result<RegisterResponse> parse_register_response(std::string_view body, UploadIds upload_ids) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  RegisterResponse out;
  auto items_field = doc["items"];
  if (items_field.error() == simdjson::SUCCESS) {
    simdjson::dom::array items;
    if (items_field.get_array().get(items) != simdjson::SUCCESS) {
      return fail("register response items is not an array");
    }
    for (element item : items) {
      auto name = string_at(item, "name");
      if (!name) return fail("register response item without a name");
      simdjson::dom::array slots;
      std::string_view upload_id;
      if (item["slots"].get_array().get(slots) == simdjson::SUCCESS && slots.size() > 0) {
        if (slots.at(0)["upload_id"].get_string().get(upload_id) != simdjson::SUCCESS) {
          upload_id = {};
        }
      }
      if (upload_id.empty() && upload_ids == UploadIds::required) {
        return fail("register response item " + std::string(*name) + " has no upload_id");
      }
      out.items.push_back({std::string(*name), std::string(upload_id), item_id_at(item)});
    }
  }
  simdjson::dom::array blocked;
  if (doc["blocked_items"].get_array().get(blocked) == simdjson::SUCCESS) {
    for (element item : blocked) {
      auto name = string_at(item, "name");
      if (!name) return fail("register response blocked item without a name");
      std::string reason = "UNKNOWN";
      simdjson::dom::array slots;
      std::string_view r;
      std::string upload_id;
      if (item["slots"].get_array().get(slots) == simdjson::SUCCESS && slots.size() > 0) {
        if (slots.at(0)["reason"].get_string().get(r) == simdjson::SUCCESS) reason = r;
        if (slots.at(0)["upload_id"].get_string().get(r) == simdjson::SUCCESS) upload_id = r;
      }
      if (reason == "UNKNOWN" && item["reason"].get_string().get(r) == simdjson::SUCCESS) {
        reason = std::string(r);
      }
      out.blocked.push_back(
          {std::string(*name), std::move(reason), std::move(upload_id), item_id_at(item)});
    }
  }
  return out;
}

Result<std::string> parse_sign_response(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  auto url = string_at(doc, "upload_url");
  if (!url || url->empty()) return fail("sign response has no upload_url");
  return std::string(*url);
}

Result<std::string> parse_token_info(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  std::string_view slug;
  if (doc["selected_team"]["slug"].get_string().get(slug) != simdjson::SUCCESS || slug.empty()) {
    return fail("token_info has no selected_team.slug");
  }
  return std::string(slug);
}

Result<std::vector<DatasetRef>> parse_datasets(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  simdjson::dom::array list;
  if (doc.get_array().get(list) != simdjson::SUCCESS &&
      doc["datasets"].get_array().get(list) != simdjson::SUCCESS) {
    return fail("dataset list is not an array");
  }
  std::vector<DatasetRef> out;
  for (element d : list) {
    auto slug = string_at(d, "slug");
    if (!slug) continue;
    std::int64_t id = 0;
    if (d["id"].get_int64().get(id) != simdjson::SUCCESS) id = 0;
    out.push_back({std::string(*slug), std::string(string_at(d, "name").value_or("")), id});
  }
  return out;
}

Result<std::string> parse_created_dataset_slug(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  auto slug = string_at(doc, "slug");
  if (!slug || slug->empty()) return fail("created dataset has no slug");
  return std::string(*slug);
}

Result<ItemFiles> parse_item(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  ItemFiles item;
  item.id = std::string(string_at(doc, "id").value_or(""));
  item.name = std::string(string_at(doc, "name").value_or(""));
  simdjson::dom::array slots;
  if (doc["slots"].get_array().get(slots) != simdjson::SUCCESS) {
    return fail("item has no slots array");
  }
  for (element slot : slots) {
    ItemSlotFile file;
    file.slot_name = std::string(string_at(slot, "slot_name").value_or(""));
    file.file_name = std::string(string_at(slot, "file_name").value_or(""));
    file.upload_id = std::string(string_at(slot, "upload_id").value_or(""));
    simdjson::dom::array sources;
    if (slot["source_files"].get_array().get(sources) == simdjson::SUCCESS) {
      for (element source : sources) {
        file.url = std::string(string_at(source, "url").value_or(""));
        if (file.file_name.empty()) {
          file.file_name = std::string(string_at(source, "file_name").value_or(""));
        }
        break;  // the first source file is the slot's image
      }
    }
    item.slots.push_back(std::move(file));
  }
  return item;
}

Result<std::vector<AnnotationClassRef>> parse_annotation_classes(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  simdjson::dom::array list;
  if (doc["annotation_classes"].get_array().get(list) != simdjson::SUCCESS) {
    return fail("annotation class list has no annotation_classes array");
  }
  std::vector<AnnotationClassRef> out;
  for (element c : list) {
    AnnotationClassRef ref;
    auto name = string_at(c, "name");
    if (!name || c["id"].get_int64().get(ref.id) != simdjson::SUCCESS) continue;
    ref.name = std::string(*name);
    simdjson::dom::array types;
    std::string_view one;
    if (c["annotation_types"].get_array().get(types) == simdjson::SUCCESS) {
      for (element t : types) {
        if (t.get_string().get(one) == simdjson::SUCCESS) ref.annotation_types.emplace_back(one);
      }
    } else if (c["annotation_types"].get_string().get(one) == simdjson::SUCCESS) {
      ref.annotation_types.emplace_back(one);
    }
    if (simdjson::dom::array datasets;
        c["datasets"].get_array().get(datasets) == simdjson::SUCCESS) {
      ref.datasets.emplace();
      for (element d : datasets) {
        std::int64_t id = 0;
        if (d["id"].get_int64().get(id) == simdjson::SUCCESS) ref.datasets->push_back(id);
      }
    }
    out.push_back(std::move(ref));
  }
  return out;
}

Result<AnnotationClassRef> parse_created_annotation_class(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  AnnotationClassRef ref;
  if (doc["id"].get_int64().get(ref.id) != simdjson::SUCCESS) {
    return fail("created annotation class has no integer id");
  }
  ref.name = std::string(string_at(doc, "name").value_or(""));
  return ref;
}

std::string build_create_annotation_class(std::int64_t dataset_id, std::string_view name,
                                          const std::vector<std::int64_t>& type_ids) {
  json::JsonWriter w;
  w.begin_object().field("dataset_id", dataset_id).field("name", name);
  w.key("metadata").begin_object().field("_color", "auto").end_object();
  w.key("annotation_type_ids").begin_array();
  for (const auto id : type_ids) w.value(id);
  w.end_array();
  w.key("datasets").begin_array().begin_object().field("id", dataset_id).end_object().end_array();
  return w.end_object().take();
}

std::string build_class_datasets_update(std::int64_t class_id,
                                        const std::vector<std::int64_t>& dataset_ids) {
  json::JsonWriter w;
  w.begin_object().key("datasets").begin_array();
  for (const auto id : dataset_ids) w.begin_object().field("id", id).end_object();
  w.end_array().field("id", class_id);
  return w.end_object().take();
}

Result<std::vector<AnnotationTypeRef>> parse_annotation_types(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  simdjson::dom::array list;
  if (doc.get_array().get(list) != simdjson::SUCCESS &&
      doc["annotation_types"].get_array().get(list) != simdjson::SUCCESS) {
    return fail("annotation type list is not an array");
  }
  std::vector<AnnotationTypeRef> out;
  for (element t : list) {
    AnnotationTypeRef ref;
    auto name = string_at(t, "name");
    if (!name || t["id"].get_int64().get(ref.id) != simdjson::SUCCESS) continue;
    ref.name = std::string(*name);
    out.push_back(std::move(ref));
  }
  return out;
}

Result<std::vector<AttributeRef>> parse_attributes(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (auto parsed = parse(parser, body, doc); !parsed) return parsed.error();
  simdjson::dom::array list;
  if (doc.get_array().get(list) != simdjson::SUCCESS &&
      doc["attributes"].get_array().get(list) != simdjson::SUCCESS) {
    return fail("attribute list is not an array");
  }
  std::vector<AttributeRef> out;
  for (element a : list) {
    AttributeRef ref;
    auto name = string_at(a, "name");
    if (!name || a["class_id"].get_int64().get(ref.class_id) != simdjson::SUCCESS) continue;
    std::int64_t numeric = 0;
    std::string_view text;
    if (a["id"].get_int64().get(numeric) == simdjson::SUCCESS) {
      ref.id = std::to_string(numeric);
    } else if (a["id"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
      ref.id = std::string(text);
    } else {
      continue;
    }
    ref.name = std::string(*name);
    out.push_back(std::move(ref));
  }
  return out;
}

std::optional<std::string> error_code(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (!parse(parser, body, doc)) return std::nullopt;
  std::string_view code;
  if (doc["errors"]["code"].get_string().get(code) == simdjson::SUCCESS) return std::string(code);
  if (doc["code"].get_string().get(code) == simdjson::SUCCESS) return std::string(code);
  return std::nullopt;
}

bool is_name_taken(std::string_view body) {
  simdjson::dom::parser parser;
  element doc;
  if (!parse(parser, body, doc)) return false;
  simdjson::dom::array names;
  if (doc["errors"]["name"].get_array().get(names) != simdjson::SUCCESS) return false;
  for (element n : names) {
    std::string_view text;
    if (n.get_string().get(text) == simdjson::SUCCESS &&
        text.find("already been taken") != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace patchq::v7
