#include "common/v7/v7_api.hpp"

#include <stdexcept>
#include <thread>

#include "common/obs/log.hpp"
#include "common/obs/metrics.hpp"
#include "common/retry/backoff.hpp"
#include "common/v7/error_classification.hpp"
#include "common/v7/file_url_list.hpp"

namespace patchq::v7 {
namespace {

template <typename T>
V7Result<T> parsed_or_error(Result<T> parsed, std::string_view what) {
  if (parsed.ok()) return std::move(parsed).value();
  // V7 answered 2xx with a body we cannot read: retrying will not change it.
  return V7Error::permanent(std::string(what) + ": " + parsed.error().reason);
}

net::Url parse_api_url(const std::string& text) {
  auto url = net::Url::parse(text);
  if (!url) throw std::invalid_argument("V7 API URL is not a valid http(s) URL");
  return *url;
}

}  // namespace

namespace {

// Every 429 from the V7 API, for the alert on V7 throttling (deploy/monitoring).
obs::Counter& throttled_responses() {
  static obs::Counter& counter = obs::process_registry().counter(
      "patchq_v7_throttled_total",
      "V7 API answers with HTTP 429 (rate limited), in-client tries included");
  return counter;
}

}  // namespace

V7Api::V7Api(const V7ClientConfig& config, RateLimiter* limiter, RateLimiter* registration_limiter)
    : config_(config),
      limiter_(limiter),
      registration_limiter_(registration_limiter),
      api_url_(parse_api_url(config.api_url)) {
  throttled_responses();  // the series exists from the start, so rate() works at once
  base_ = api_url_.scheme() + "://" +
          (api_url_.host().find(':') != std::string::npos ? "[" + api_url_.host() + "]"
                                                          : api_url_.host()) +
          ":" + std::to_string(api_url_.port());
  // Every V7 API call is under /api/; anything else on the origin (the stand-in serves its
  // storage there) never sees the key.
  credential_ = net::Credential{api_url_.origin(), "/api/", "ApiKey " + config.api_key};
}

net::HttpClientOptions V7Api::http_options() const {
  net::HttpClientOptions o;
  auto hosts = net::HostRules::parse_list(config_.allowed_image_hosts);
  if (hosts.empty()) hosts.emplace_back(net::kCloudStorageEntry);
  // The API is trusted by origin (scheme, host and port), never by host name alone: another
  // port on the API's host is just another server.
  std::vector<net::TrustedOrigin> trusted{{api_url_.origin(), config_.allow_private_v7_api}};
  for (const auto& origin : config_.private_origins) trusted.push_back({origin, true});
  o.rules = net::HostRules(std::move(hosts), config_.allow_private_hosts, std::move(trusted));
  o.connect_timeout = config_.connect_timeout;
  o.transfer_timeout = config_.transfer_timeout;
  o.resolve = config_.resolve;
  return o;
}

std::string V7Api::api_path(std::string_view path) const {
  return base_ + std::string(path);
}

std::string V7Api::team_path(std::string_view team, std::string_view rest) const {
  return base_ + "/api/v2/teams/" + net::encode_path_segment(team) + std::string(rest);
}

V7Result<net::HttpResponse> V7Api::exchange(net::HttpClient& http, const Call& call) const {
  net::HttpRequest request;
  request.method = call.method;
  request.url = call.url;
  request.body = call.body;
  request.trust_url_host = call.trust_url_host;
  request.credential = call.send_credential ? &credential_ : nullptr;
  request.max_response_bytes =
      call.max_response_bytes ? call.max_response_bytes : config_.max_api_response_bytes;
  request.max_redirects = config_.max_redirects;
  if (call.download_floor) {
    request.min_download_rate = config_.min_download_rate;
    request.slow_grace = config_.download_grace;
  }
  if (call.expects_json) request.headers.emplace_back("Accept", "application/json");
  if (call.json_body) request.headers.emplace_back("Content-Type", "application/json");

  auto target = net::Url::parse(call.url);
  // A V7 API call is what the credential is scoped to; storage served on the same origin
  // (as the stand-in does) is not one, and does not spend the rate budget.
  const bool to_api = target && target->origin() == credential_.origin &&
                      target->path().starts_with(credential_.path_prefix);
  const retry::BackoffPolicy quick{config_.quick_backoff_base, config_.quick_backoff_cap};
  for (int attempt = 0;; ++attempt) {
    if (to_api) {
      if (call.also_limited_by != nullptr) call.also_limited_by->acquire();
      if (limiter_ != nullptr) limiter_->acquire();
      api_requests_.fetch_add(1);
    }
    auto result = http.send(request);
    std::optional<V7Error> error;
    if (result.ok()) {
      auto& response = result.response();
      if (to_api && response.status == 429) throttled_responses().inc();
      if ((response.status >= 200 && response.status < 300) ||
          (call.accept && call.accept(response))) {
        return std::move(response);
      }
      error = classify_response(response, call.what);
    } else {
      error = classify_transport(result.error(), call.what);
      if (result.error().kind == net::TransportError::Kind::address_refused && target &&
          target->origin() == credential_.origin) {
        error->reason += " (a V7 API on a private address needs --allow-private-v7-api)";
      }
    }
    error->reason = scrub_secret(std::move(error->reason), config_.api_key);
    if (!error->retryable() || attempt + 1 >= config_.quick_tries) return *error;
    // A server asking for a long pause is better served by the job-level retry than by a
    // worker thread asleep here.
    if (error->retry_after && *error->retry_after > config_.quick_backoff_cap) return *error;
    const auto delay =
        retry::backoff_delay(quick, attempt, error->retry_after, retry::thread_rng());
    obs::log_debug("v7_call_retry")
        .field("call", call.what)
        .field("attempt", attempt + 1)
        .field("status", error->http_status)
        .field("delay_ms", static_cast<std::int64_t>(delay.count()))
        .field("reason", error->reason);
    std::this_thread::sleep_for(delay);
  }
}

V7Result<std::string> V7Api::token_team(net::HttpClient& http) const {
  auto r = exchange(http, {.url = api_path("/api/users/token_info"), .what = "token_info"});
  if (!r) return r.error();
  return parsed_or_error(parse_token_info(r->body), "token_info");
}

V7Result<std::vector<DatasetRef>> V7Api::list_datasets(net::HttpClient& http) const {
  auto r = exchange(http, {.url = api_path("/api/datasets"), .what = "list datasets"});
  if (!r) return r.error();
  return parsed_or_error(parse_datasets(r->body), "list datasets");
}

V7Result<std::optional<std::string>> V7Api::create_dataset(net::HttpClient& http,
                                                           std::string_view name) const {
  const std::string body = build_create_dataset(name);
  auto r = exchange(http, {.method = "POST",
                           .url = api_path("/api/datasets"),
                           .body = body,
                           .json_body = true,
                           .what = "create dataset",
                           .accept = [](const net::HttpResponse& response) {
                             return response.status == 422 && is_name_taken(response.body);
                           }});
  if (!r) return r.error();
  if (r->status == 422) return std::optional<std::string>();
  auto slug = parsed_or_error(parse_created_dataset_slug(r->body), "create dataset");
  if (!slug) return slug.error();
  return std::optional<std::string>(std::move(slug).value());
}

V7Result<ItemFiles> V7Api::get_item(net::HttpClient& http, std::string_view team,
                                    std::string_view item_id) const {
  auto r = exchange(http, {.url = team_path(team, "/items/" + net::encode_path_segment(item_id)),
                           .what = "get item"});
  if (!r) return r.error();
  auto item = parsed_or_error(parse_item(r->body), "get item");
  if (!item) return item.error();
  for (auto& slot : item->slots) {
    if (slot.url.empty() && !slot.upload_id.empty()) {
      slot.url = team_path(team, "/uploads/" + net::encode_path_segment(slot.upload_id));
    }
  }
  return item;
}

V7Result<RegisterResponse> V7Api::register_upload(net::HttpClient& http, std::string_view team,
                                                  std::string_view dataset,
                                                  const std::vector<UploadItem>& items) const {
  const std::string body = build_register_upload(dataset, items);
  auto r = exchange(http, {.method = "POST",
                           .url = team_path(team, "/items/register_upload"),
                           .body = body,
                           .json_body = true,
                           .what = "register_upload"});
  if (!r) return r.error();
  return parsed_or_error(parse_register_response(r->body), "register_upload");
}

V7Result<std::string> V7Api::sign(net::HttpClient& http, std::string_view team,
                                  std::string_view upload_id) const {
  auto r = exchange(
      http,
      {.url = team_path(team, "/items/uploads/" + net::encode_path_segment(upload_id) + "/sign"),
       .what = "sign upload"});
  if (!r) return r.error();
  return parsed_or_error(parse_sign_response(r->body), "sign upload");
}

V7Result<std::string> V7Api::item_annotations(net::HttpClient& http, std::string_view team,
                                              std::string_view item_id,
                                              std::uint64_t max_bytes) const {
  auto r = exchange(
      http, {.url = team_path(team, "/items/" + net::encode_path_segment(item_id) + "/annotations"),
             .max_response_bytes = max_bytes,
             .what = "item annotations"});
  if (!r) return r.error();
  return std::move(r->body);
}

V7Status V7Api::put_to_storage(net::HttpClient& http, std::string_view upload_url,
                               std::string_view bytes) const {
  // Presigned URLs carry their own authorisation: no API key, even on the API's own origin.
  auto r = exchange(http, {.method = "PUT",
                           .url = std::string(upload_url),
                           .body = bytes,
                           .trust_url_host = true,
                           .send_credential = false,
                           .expects_json = false,
                           .what = "upload to storage"});
  if (!r) return r.error();
  return success();
}

V7Status V7Api::confirm(net::HttpClient& http, std::string_view team,
                        std::string_view upload_id) const {
  static constexpr std::string_view kEmpty = "{}";
  auto r = exchange(
      http,
      {.method = "POST",
       .url = team_path(team, "/items/uploads/" + net::encode_path_segment(upload_id) + "/confirm"),
       .body = kEmpty,
       .json_body = true,
       .what = "confirm upload"});
  if (!r) return r.error();
  return success();
}

V7Result<RegisterResponse> V7Api::direct_upload(net::HttpClient& http, std::string_view team,
                                                std::string_view dataset,
                                                const std::vector<DirectUploadItem>& items) const {
  const std::string body = build_direct_upload(dataset, items);
  auto r = exchange(http, {.method = "POST",
                           .url = team_path(team, "/items/direct_upload"),
                           .body = body,
                           .json_body = true,
                           .what = "direct_upload"});
  if (!r) return r.error();
  return parsed_or_error(parse_register_response(r->body, UploadIds::optional), "direct_upload");
}

V7Result<RegisterResponse> V7Api::register_existing(net::HttpClient& http, std::string_view team,
                                                    std::string_view dataset,
                                                    std::string_view storage_slug,
                                                    const std::vector<ExistingItem>& items,
                                                    bool readonly) const {
  const std::string body = build_register_existing(dataset, storage_slug, items, readonly);
  const std::string what = readonly ? "register_existing_readonly" : "register_existing";
  auto r = exchange(http, {.method = "POST",
                           .url = team_path(team, "/items/" + what),
                           .body = body,
                           .json_body = true,
                           .what = what,
                           // V7 documents its 100 calls a minute for read-only storage.
                           .also_limited_by = readonly ? registration_limiter_ : nullptr});
  if (!r) return r.error();
  return parsed_or_error(parse_register_response(r->body, UploadIds::optional), what);
}

V7Result<std::vector<AnnotationClassRef>> V7Api::annotation_classes(net::HttpClient& http,
                                                                    std::string_view team) const {
  auto r = exchange(http, {.url = api_path("/api/teams/" + net::encode_path_segment(team) +
                                           "/annotation_classes?include_tags=true"),
                           .what = "annotation classes"});
  if (!r) return r.error();
  return parsed_or_error(parse_annotation_classes(r->body), "annotation classes");
}

V7Result<std::vector<AnnotationTypeRef>> V7Api::annotation_types(net::HttpClient& http) const {
  auto r = exchange(http, {.url = api_path("/api/annotation_types"), .what = "annotation types"});
  if (!r) return r.error();
  return parsed_or_error(parse_annotation_types(r->body), "annotation types");
}

V7Result<AnnotationClassRef> V7Api::create_annotation_class(
    net::HttpClient& http, std::int64_t dataset_id, std::string_view name,
    const std::vector<std::int64_t>& type_ids) const {
  const std::string body = build_create_annotation_class(dataset_id, name, type_ids);
  auto r = exchange(http, {.method = "POST",
                           .url = api_path("/api/annotation_classes"),
                           .body = body,
                           .json_body = true,
                           .what = "create annotation class"});
  if (!r) return r.error();
  return parsed_or_error(parse_created_annotation_class(r->body), "create annotation class");
}

V7Status V7Api::update_annotation_class_datasets(
    net::HttpClient& http, std::int64_t class_id,
    const std::vector<std::int64_t>& dataset_ids) const {
  const std::string body = build_class_datasets_update(class_id, dataset_ids);
  auto r = exchange(http, {.method = "PUT",
                           .url = api_path("/api/annotation_classes/" + std::to_string(class_id)),
                           .body = body,
                           .json_body = true,
                           .what = "add annotation class to dataset"});
  if (!r) return r.error();
  return success();
}

V7Result<std::vector<AttributeRef>> V7Api::dataset_attributes(net::HttpClient& http,
                                                              std::int64_t dataset_id) const {
  auto r = exchange(http,
                    {.url = api_path("/api/datasets/" + std::to_string(dataset_id) + "/attributes"),
                     .what = "dataset attributes"});
  if (!r) return r.error();
  return parsed_or_error(parse_attributes(r->body), "dataset attributes");
}

V7Status V7Api::import_annotations(net::HttpClient& http, std::string_view team,
                                   std::string_view item_id, std::string_view body) const {
  auto r = exchange(
      http, {.method = "POST",
             .url = team_path(team, "/items/" + net::encode_path_segment(item_id) + "/import"),
             .body = body,
             .json_body = true,
             .what = "import annotations"});
  if (!r) return r.error();
  return success();
}

V7Result<std::string> V7Api::fetch(net::HttpClient& http, std::string_view url,
                                   std::uint64_t max_bytes) const {
  auto r = exchange(http, {.url = std::string(url),
                           .expects_json = false,
                           .max_response_bytes = max_bytes,
                           .download_floor = true,
                           .what = "fetch image"});
  if (!r) return r.error();
  if (!is_json_content_type(r->header("content-type"))) return std::move(r->body);

  // {"urls": [...]}: the file is stored as the listed parts. darwin-py GETs each without the
  // API key; patchq cuts single images, so exactly one part is followed, under the same rules.
  auto listed = parse_file_url_list(r->body);
  if (!listed)
    return V7Error::permanent("fetch image: " + r->final_url + " " + listed.error().reason);
  if (listed->size() != 1) {
    return V7Error::permanent("fetch image: " + r->final_url + " lists " +
                              std::to_string(listed->size()) +
                              " files (an item stored as several files); patchq cuts single "
                              "images");
  }
  // A list answered by the V7 API origin is V7's word (like its redirects): trusted by name.
  const auto answered_by = net::Url::parse(r->final_url);
  const bool from_api = answered_by && answered_by->origin() == credential_.origin;
  auto part = exchange(http, {.url = listed->front(),
                              .trust_url_host = from_api,
                              .send_credential = false,
                              .expects_json = false,
                              .max_response_bytes = max_bytes,
                              .download_floor = true,
                              .what = "fetch image (listed URL)"});
  if (!part) return part.error();
  if (is_json_content_type(part->header("content-type"))) {
    return V7Error::permanent("fetch image: the URL listed by " + r->final_url +
                              " answered JSON again (" + part->final_url + ")");
  }
  return std::move(part->body);
}

}  // namespace patchq::v7
