// Darwin JSON 2.0 payload: see webhook_payload.hpp.
#include "services/v7sim/webhook_payload.hpp"

#include "common/json/json_writer.hpp"

namespace patchq::v7sim {

std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name) {
  const std::string file_url = urls.file_url(item.upload_id);
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
  w.key("slots").begin_array().begin_object();
  w.field("type", "image").field("slot_name", item.slot_name);
  w.field("width", item.width).field("height", item.height);
  w.field("thumbnail_url", file_url);
  w.key("source_files").begin_array().begin_object();
  w.field("file_name", item.file_name).field("url", file_url);
  w.end_object().end_array();
  w.end_object().end_array();
  w.end_object();  // item
  w.key("annotations").begin_array().end_array();
  w.key("properties").begin_array().end_array();
  w.end_object();
  return w.take();
}

}  // namespace patchq::v7sim
