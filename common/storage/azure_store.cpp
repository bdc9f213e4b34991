#include "common/storage/azure_store.hpp"

#include <chrono>
#include <ctime>

#include "common/codec/base64.hpp"
#include "common/net/url.hpp"
#include "common/storage/azure_shared_key.hpp"
#include "common/storage/object_key.hpp"
#include "common/storage/storage_reply.hpp"

namespace patchq::storage {
namespace {

std::string common_azure_hint(int status, std::string_view code) {
  if (code == "ContainerNotFound") return "check the container in --storage-url";
  if (code == "BlobNotFound" || status == 404) return "no such object";
  if (code == "AuthorizationPermissionMismatch" || code == "AuthorizationResourceTypeMismatch") {
    return "the credentials lack permission (a SAS needs r, a, c, w and l on the container)";
  }
  return {};
}

std::string sas_hint(int status, std::string_view code) {
  if (code == "AuthenticationFailed" || code == "AuthorizationFailure" || status == 403) {
    if (auto common = common_azure_hint(status, code); !common.empty()) return common;
    return "the SAS in --storage-url was refused: check its expiry, permissions and signature";
  }
  return common_azure_hint(status, code);
}

std::string shared_key_hint(int status, std::string_view code) {
  if (code == "AuthenticationFailed") {
    return "check AZURE_STORAGE_KEY (and the account in --storage-url)";
  }
  if (auto common = common_azure_hint(status, code); !common.empty()) return common;
  if (status == 403) return "check AZURE_STORAGE_KEY (and the account in --storage-url)";
  return {};
}

// RFC 1123 date in GMT, as x-ms-date wants it.
std::string http_date_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

std::string encode_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::string text;
  for (const auto& [name, value] : query) {
    if (!text.empty()) text += '&';
    text += net::encode_path_segment(name) + "=" + net::encode_path_segment(value);
  }
  return text;
}

}  // namespace

AzureStore::AzureStore(Options options) : options_(std::move(options)) {
  endpoint_ = options_.blob_endpoint.empty() ? "https://" + options_.location.service_host
                                             : options_.blob_endpoint;
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  const auto url = net::Url::parse(endpoint_ + "/").value();
  origin_ = url.origin();
  endpoint_path_ = url.path();
  while (!endpoint_path_.empty() && endpoint_path_.back() == '/') endpoint_path_.pop_back();
  if (options_.location.sas_query.empty()) {
    const std::string key = codec::base64_decode(options_.account_key_base64).value_or("");
    account_key_.assign(key.begin(), key.end());
  }
}

std::string AzureStore::storage_key(std::string_view object_name) const {
  return options_.location.bucket + "/" + join_key(options_.location.prefix, object_name);
}

ReplyContext AzureStore::reply_context(std::string call) const {
  const bool uses_sas = !options_.location.sas_query.empty();
  return ReplyContext{"Azure " + std::move(call),
                      uses_sas ? &sas_hint : &shared_key_hint,
                      {options_.location.sas_query, options_.account_key_base64}};
}

std::string AzureStore::blob_path(std::string_view storage_key, std::string* problem) const {
  const std::string container_prefix = options_.location.bucket + "/";
  if (!storage_key.starts_with(container_prefix)) {
    *problem = "the storage key is not in container " + options_.location.bucket;
    return {};
  }
  *problem = key_problem(storage_key.substr(container_prefix.size()));
  return "/" + encode_key_path(storage_key);
}

net::HttpResult AzureStore::send(net::HttpClient& http, Call call) const {
  call.headers.emplace_back("x-ms-date", http_date_now());
  call.headers.emplace_back("x-ms-version", std::string(kAzureApiVersion));
  std::string query = encode_query(call.query);
  const auto& sas = options_.location.sas_query;
  if (!sas.empty()) query += (query.empty() ? "" : "&") + sas;

  net::HttpRequest request;
  request.method = call.method;
  request.url = endpoint_ + call.path + (query.empty() ? "" : "?" + query);
  request.body = call.body;
  request.trust_url_host = true;
  request.max_response_bytes = call.max_response_bytes;
  net::Credential credential;
  if (sas.empty()) {
    const std::string signed_path = endpoint_path_ + call.path;
    const SharedKeyRequest to_sign{call.method, signed_path, call.query, &call.headers,
                                   call.body.size()};
    credential =
        net::Credential{origin_, endpoint_path_ + "/",
                        shared_key_authorization(options_.location.account, account_key_, to_sign)};
    request.credential = &credential;
  }
  request.headers = std::move(call.headers);
  return http.send(request);
}

StorageStatus AzureStore::put(net::HttpClient& http, std::string_view storage_key,
                              std::string_view bytes, std::string_view content_type) const {
  const ReplyContext context = reply_context("PUT " + std::string(storage_key));
  std::string problem;
  std::string path = blob_path(storage_key, &problem);
  if (!problem.empty()) return StorageError::permanent(context.what + ": " + problem);
  Call call{"PUT", std::move(path), {}, {}, bytes};
  call.headers = {{"x-ms-blob-type", "BlockBlob"}, {"Content-Type", std::string(content_type)}};
  auto result = send(http, std::move(call));
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 201) return status_failure(result.response(), context);
  return storage_ok();
}

StorageResult<std::string> AzureStore::get(net::HttpClient& http, std::string_view storage_key,
                                           std::uint64_t max_bytes) const {
  const ReplyContext context = reply_context("GET " + std::string(storage_key));
  std::string problem;
  std::string path = blob_path(storage_key, &problem);
  if (!problem.empty()) return StorageError::permanent(context.what + ": " + problem);
  Call call{"GET", std::move(path), {}, {}, {}};
  call.max_response_bytes = response_cap(max_bytes);
  auto result = send(http, std::move(call));
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 200) return status_failure(result.response(), context);
  return object_within(std::move(result.response().body), max_bytes, context);
}

StorageResult<ObjectHead> AzureStore::get_head(net::HttpClient& http, std::string_view storage_key,
                                               std::uint64_t head_bytes) const {
  const ReplyContext context = reply_context("GET (head) " + std::string(storage_key));
  std::string problem;
  std::string path = blob_path(storage_key, &problem);
  if (!problem.empty()) return StorageError::permanent(context.what + ": " + problem);
  Call call{"GET", std::move(path), {}, {}, {}};
  // x-ms-range, not Range: Shared Key signs it like every x-ms- header.
  call.headers = {{"x-ms-range", head_range(head_bytes)}};
  call.max_response_bytes = response_cap(head_bytes);
  auto result = send(http, std::move(call));
  if (!result.ok()) return transport_failure(result.error(), context);
  if (auto head = object_head(result.response(), head_bytes)) return std::move(*head);
  return status_failure(result.response(), context);
}

StorageStatus AzureStore::check(net::HttpClient& http) const {
  const auto& location = options_.location;
  const ReplyContext context = reply_context("list " + location_text(location));
  Call call{"GET", "/" + net::encode_path_segment(location.bucket), {}, {}, {}};
  call.query = {{"comp", "list"},
                {"maxresults", "1"},
                {"prefix", location.prefix.empty() ? "" : location.prefix + "/"},
                {"restype", "container"}};
  call.max_response_bytes = 1 << 20;
  auto result = send(http, std::move(call));
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 200) return status_failure(result.response(), context);
  return put(http, storage_key(kCheckObjectName), {}, "application/octet-stream");
}

std::string AzureStore::describe() const {
  return location_text(options_.location) + " at " + endpoint_ +
         (options_.location.sas_query.empty() ? " (Shared Key)" : " (SAS)");
}

}  // namespace patchq::storage
