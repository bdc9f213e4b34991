// Darwin JSON 2.0 payload: see webhook_payload.hpp.
#include "services/v7sim/webhook_payload.hpp"

#include "common/json/json_writer.hpp"

namespace patchq::v7sim {

namespace {

void write_slot(json::JsonWriter& w, const PayloadSlot& slot, const SimUrls& urls) {
  w.begin_object().field("type", slot.type).field("slot_name", slot.slot_name);
  if (slot.file) {
    const std::string file_url = urls.file_url(slot.file->upload_id);
    w.field("width", slot.file->width).field("height", slot.file->height);
    w.field("thumbnail_url", file_url);
    w.key("source_files").begin_array().begin_object();
    w.field("file_name", slot.file->file_name).field("url", file_url);
    w.end_object().end_array();
  } else {
    // Not an image the stand-in serves: patchq must skip it, never fetch it.
    w.key("source_files").begin_array().begin_object();
    w.field("file_name", slot.slot_name + "." + slot.type);
    w.field("url", "https://files.invalid/" + slot.slot_name + "." + slot.type);
    w.end_object().end_array();
  }
  w.end_object();
}

}  // namespace

std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name, const std::vector<PayloadSlot>& slots,
                           const std::optional<std::string>& annotations) {
  json::JsonWriter w;
  w.begin_object()
      .field("version", "2.0")
      .field("schema_ref",
             "https://darwin-public.s3.eu-west-1.amazonaws.com/darwin_json/2.0/schema.json");
  w.key("item").begin_object().field("name", item.name).field("path", item.path);
  w.key("source_info").begin_object().field("item_id", item.id);
  w.key("team").begin_object().field("name", team_name).field("slug", urls.team()).end_object();
  w.key("dataset").begin_object().field("name", dataset.name).field("slug", dataset.slug);
  w.field("dataset_management_url", urls.dataset_management_url(dataset.id)).end_object();
  w.field("workview_url", urls.workview_url(dataset.id, item.id)).end_object();
  w.key("slots").begin_array();
  for (const auto& slot : slots) write_slot(w, slot, urls);
  w.end_array();
  w.end_object();  // item
  if (annotations) w.key("annotations").raw(*annotations);
  w.key("properties").begin_array().end_array();
  w.end_object();
  return w.take();
}

std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name) {
  return darwin_payload(item, dataset, urls, team_name,
                        {PayloadSlot{item.slot_name, "image", item}}, std::string("[]"));
}

}  // namespace patchq::v7sim
