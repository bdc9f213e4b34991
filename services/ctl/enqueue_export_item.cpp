// examine_export_item, with_image_url (see enqueue_export_item.hpp). Boost.JSON in its
// header-only form: this is the one file that compiles it.
#include "services/ctl/enqueue_export_item.hpp"

#include <boost/json/src.hpp>

#include "common/webhook/payload_parser.hpp"
#include "services/ctl/enqueue_export_url.hpp"
#include "services/ctl/text_format.hpp"

namespace patchq::ctl {
namespace {

namespace json = boost::json;

// Stands in for a missing URL while the rest of the file is checked; never enqueued.
constexpr std::string_view kPlaceholderUrl = "https://missing-url.invalid/";

Result<json::value> parse_json(std::string_view bytes) {
  json::parse_options options;
  options.max_depth = webhook::ParseOptions{}.max_depth;
  std::error_code ec;
  json::value doc = json::parse(bytes, ec, {}, options);
  if (ec) return fail("not JSON: " + ec.message());
  return doc;
}

// The first source file of the first slot (item.slots[0].source_files[0]) when the file has
// that shape, else null (the parser then says what is wrong).
json::object* first_source_file(json::value& doc) {
  auto* top = doc.if_object();
  if (top == nullptr) return nullptr;
  auto* item = top->if_contains("item");
  if (item == nullptr || !item->is_object()) return nullptr;
  auto* slots = item->as_object().if_contains("slots");
  if (slots == nullptr || !slots->is_array() || slots->as_array().empty()) return nullptr;
  auto& slot = slots->as_array().front();
  if (!slot.is_object()) return nullptr;
  auto* files = slot.as_object().if_contains("source_files");
  if (files == nullptr || !files->is_array() || files->as_array().empty()) return nullptr;
  return files->as_array().front().if_object();
}

}  // namespace

Result<ExportItem> examine_export_item(std::string_view bytes, std::int64_t now_ms,
                                       std::int64_t margin_ms) {
  auto doc = parse_json(bytes);
  if (!doc) return doc.error();
  if (!doc->is_object()) return fail("not a Darwin JSON item: the top level is not an object");
  ExportItem out;
  std::string with_placeholder;
  std::string_view checked = bytes;
  if (json::object* file = first_source_file(*doc)) {
    const json::value* url = file->if_contains("url");
    if (url == nullptr || !url->is_string() || url->as_string().empty()) {
      out.url = UrlState::missing;
      out.url_note = "no image URL";
      (*file)["url"] = kPlaceholderUrl;
      with_placeholder = json::serialize(*doc);
      checked = with_placeholder;
    }
  }
  auto parsed = webhook::parse_payload(checked);
  if (!parsed) return parsed.error();
  out.item = std::move(parsed).value();
  if (out.url == UrlState::usable) {
    if (const auto expiry = presigned_expiry_ms(out.item.slot.file_url)) {
      if (*expiry <= now_ms + margin_ms) {
        out.url = UrlState::expired;
        out.url_note = (*expiry <= now_ms ? "image URL expired " : "image URL expires ") +
                       iso_time_ms(*expiry) + (*expiry <= now_ms ? "" : ", within the margin");
      }
    }
  }
  return out;
}

Result<std::string> with_image_url(std::string_view bytes, std::string_view url) {
  auto doc = parse_json(bytes);
  if (!doc) return doc.error();
  json::object* file = first_source_file(*doc);
  if (file == nullptr) return fail("no item.slots[0].source_files[0] to put the URL in");
  (*file)["url"] = url;
  return json::serialize(*doc);
}

}  // namespace patchq::ctl
