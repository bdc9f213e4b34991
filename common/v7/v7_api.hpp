// V7Api: one V7 REST call per method (shared/v7/API.md). Every call
//   - waits for the fleet rate limiter when it goes to the V7 API origin,
//   - is tried a few times in-process for transient failures (full-jitter backoff from
//     common/retry, small base), and gives a retryable V7Error upward once those are spent or
//     when the server's Retry-After is longer than the in-process cap,
//   - classifies failures with error_classification and scrubs the API key from reasons.
// The HttpClient is a parameter so that each thread of a TransferPool brings its own.
// Invariant: V7Api is immutable after construction and safe to share between threads.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_client.hpp"
#include "common/net/url.hpp"
#include "common/v7/api_messages.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

class V7Api {
 public:
  // `limiter` may be null (no rate limit); it must outlive the V7Api. `registration_limiter`
  // (may be null) also paces register_existing(_readonly), which V7 limits to 100 calls a
  // minute on top of the key's budget.
  V7Api(const V7ClientConfig& config, RateLimiter* limiter,
        RateLimiter* registration_limiter = nullptr);

  // Host rules, timeouts and pins every HttpClient talking for this API should use.
  net::HttpClientOptions http_options() const;
  const net::Url& api_url() const { return api_url_; }

  V7Result<std::string> token_team(net::HttpClient& http) const;  // selected_team.slug
  V7Result<std::vector<DatasetRef>> list_datasets(net::HttpClient& http) const;
  // Creates a dataset named `name`; returns its slug, or nullopt when the name is taken (422):
  // the dataset exists, and its slug is not necessarily the name (look it up).
  V7Result<std::optional<std::string>> create_dataset(net::HttpClient& http,
                                                      std::string_view name) const;

  // GET /api/v2/teams/{team}/items/{item_id}. A slot known only by its upload_id gets the
  // download URL V7 serves it at (/api/v2/teams/{team}/uploads/{upload_id}).
  V7Result<ItemFiles> get_item(net::HttpClient& http, std::string_view team,
                               std::string_view item_id) const;

  V7Result<RegisterResponse> register_upload(net::HttpClient& http, std::string_view team,
                                             std::string_view dataset,
                                             const std::vector<UploadItem>& items) const;
  V7Result<std::string> sign(net::HttpClient& http, std::string_view team,
                             std::string_view upload_id) const;  // presigned upload URL
  // PUT to a presigned URL from sign(): no credential, host trusted because V7 named it.
  V7Status put_to_storage(net::HttpClient& http, std::string_view upload_url,
                          std::string_view bytes) const;
  V7Status confirm(net::HttpClient& http, std::string_view team, std::string_view upload_id) const;
  V7Result<RegisterResponse> direct_upload(net::HttpClient& http, std::string_view team,
                                           std::string_view dataset,
                                           const std::vector<DirectUploadItem>& items) const;
  // Files already in the customer's storage (named in V7 by `storage_slug`) become items:
  // register_existing, or register_existing_readonly for read-only storage.
  V7Result<RegisterResponse> register_existing(net::HttpClient& http, std::string_view team,
                                               std::string_view dataset,
                                               std::string_view storage_slug,
                                               const std::vector<ExistingItem>& items,
                                               bool readonly) const;

  // The team's annotation classes (GET /api/teams/{team}/annotation_classes?include_tags=true).
  V7Result<std::vector<AnnotationClassRef>> annotation_classes(net::HttpClient& http,
                                                               std::string_view team) const;
  // GET /api/annotation_types: V7's ids of shape and sub-annotation types.
  V7Result<std::vector<AnnotationTypeRef>> annotation_types(net::HttpClient& http) const;
  // POST /api/annotation_classes (darwin-py's create_annotation_class): a class of the team,
  // added to dataset `dataset_id`.
  V7Result<AnnotationClassRef> create_annotation_class(
      net::HttpClient& http, std::int64_t dataset_id, std::string_view name,
      const std::vector<std::int64_t>& type_ids) const;
  // PUT /api/annotation_classes/{class_id} (darwin-py's add_annotation_class): the team class
  // is in exactly `dataset_ids` afterwards.
  V7Status update_annotation_class_datasets(net::HttpClient& http, std::int64_t class_id,
                                            const std::vector<std::int64_t>& dataset_ids) const;
  // GET /api/datasets/{dataset_id}/attributes: the attributes of the dataset's classes.
  V7Result<std::vector<AttributeRef>> dataset_attributes(net::HttpClient& http,
                                                         std::int64_t dataset_id) const;
  // Annotations onto an item: POST /api/v2/teams/{team}/items/{item_id}/import with a Darwin
  // JSON 2.0 import body (common/annotations/darwin_json.hpp: import_body). One call per item.
  V7Status import_annotations(net::HttpClient& http, std::string_view team,
                              std::string_view item_id, std::string_view body) const;
  // GET /api/v2/teams/{team}/items/{item_id}/annotations: the item's annotations as V7 sends
  // them (JSON, at most `max_bytes`), for a stage that sends none (include_annotations off).
  V7Result<std::string> item_annotations(net::HttpClient& http, std::string_view team,
                                         std::string_view item_id, std::uint64_t max_bytes) const;

  // GET an image (or any file) by URL: credential only to the API origin, size-capped.
  V7Result<std::string> fetch(net::HttpClient& http, std::string_view url,
                              std::uint64_t max_bytes) const;

  // Requests sent to the V7 API origin so far (tries included).
  std::uint64_t api_requests() const { return api_requests_.load(); }

 private:
  struct Call {
    std::string method = "GET";
    std::string url{};
    std::string_view body{};
    bool json_body = false;
    bool trust_url_host = false;
    bool send_credential = true;
    bool expects_json = true;
    std::uint64_t max_response_bytes = 0;
    bool download_floor = false;             // applies --min-download-rate (image fetches)
    std::string what{};                      // names the call in error texts
    RateLimiter* also_limited_by = nullptr;  // a second budget this endpoint has at V7
    // A non-2xx response that the caller treats as success (e.g. 422 "already taken").
    std::function<bool(const net::HttpResponse&)> accept{};
  };
  V7Result<net::HttpResponse> exchange(net::HttpClient& http, const Call& call) const;
  std::string api_path(std::string_view path) const;  // base URL + path
  std::string team_path(std::string_view team, std::string_view rest) const;

  V7ClientConfig config_;
  RateLimiter* limiter_;
  RateLimiter* registration_limiter_;
  net::Url api_url_;
  std::string base_;  // api_url_ text without a trailing slash
  net::Credential credential_;
  mutable std::atomic<std::uint64_t> api_requests_{0};
};

}  // namespace patchq::v7
