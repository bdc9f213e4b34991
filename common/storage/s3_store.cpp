#include "common/storage/s3_store.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "common/codec/sha256.hpp"
#include "common/net/url.hpp"
#include "common/storage/object_key.hpp"
#include "common/storage/storage_reply.hpp"

namespace patchq::storage {
namespace {

std::string s3_hint(int status, std::string_view code) {
  if (code == "InvalidAccessKeyId") return "check AWS_ACCESS_KEY_ID";
  if (code == "SignatureDoesNotMatch") return "check AWS_SECRET_ACCESS_KEY";
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || status == 301) {
    return "the bucket is in another region: check AWS_REGION";
  }
  if (status == 302 || status == 307 || status == 308) {
    return "the storage redirected the request (a signed request is not re-sent elsewhere): "
           "check the endpoint and AWS_REGION";
  }
  if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired") {
    return "check AWS_SESSION_TOKEN (temporary credentials expire)";
  }
  if (code == "NoSuchBucket") return "check the bucket in --storage-url";
  if (code == "NoSuchKey" || status == 404) return "no such object";
  if (code == "AccessDenied" || status == 403) {
    return "the credentials lack permission for this bucket and prefix";
  }
  return {};
}

std::string payload_sha256_hex(std::string_view bytes) {
  return codec::sha256_hex(bytes);
}

// A region name as S3 spells one ("eu-west-1", "us-gov-west-1"); anything else in the header
// is not quoted back.
bool is_region_name(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The bucket's region when the reply names it: S3 answers a request sent to another region's
// endpoint with 301 PermanentRedirect (no Location) or 400 AuthorizationHeaderMalformed, both
// with x-amz-bucket-region (the 400's body also has <Region>).
std::optional<std::string> bucket_region(const net::HttpResponse& response) {
  std::string region;
  if (const auto header = response.header("x-amz-bucket-region")) {
    region = std::string(*header);
  } else if (const auto open = response.body.find("<Region>"); open != std::string::npos) {
    const auto from = open + 8;
    region = response.body.substr(from, response.body.find("</Region>", from) - from);
  }
  if (!is_region_name(region)) return std::nullopt;
  return region;
}

std::string without_trailing_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

S3Store::S3Store(Options options) : options_(std::move(options)) {
  const auto& bucket = options_.location.bucket;
  if (!options_.endpoint.empty()) {
    bucket_url_ = without_trailing_slash(options_.endpoint) + "/" + bucket;
  } else if (options_.location.provider == Provider::gcs) {
    bucket_url_ = "https://storage.googleapis.com/" + bucket;
  } else if (bucket.find('.') != std::string::npos) {
    bucket_url_ = "https://s3." + options_.region + ".amazonaws.com/" + bucket;
  } else {
    bucket_url_ = "https://" + bucket + ".s3." + options_.region + ".amazonaws.com";
    bucket_is_host_ = true;
  }
  sigv4_.origin = net::Url::parse(bucket_url_ + "/").value().origin();
  sigv4_.provider = "aws:amz:" + options_.region + ":s3";
  sigv4_.access_key_id = options_.access_key_id;
  sigv4_.secret_access_key = options_.secret_access_key;
}

std::string S3Store::storage_key(std::string_view object_name) const {
  return join_key(options_.location.prefix, object_name);
}

std::string S3Store::object_url(std::string_view storage_key) const {
  return bucket_url_ + "/" + encode_key_path(storage_key);
}

StorageError S3Store::failure(const net::HttpResponse& response,
                              const ReplyContext& context) const {
  StorageError error = status_failure(response, context);
  const int status = response.status;
  if (status != 301 && status != 307 && status != 400) return error;
  const auto region = bucket_region(response);
  if (region && *region != options_.region) {
    error.reason = context.what + ": " + std::to_string(status) + " — the bucket is in region " +
                   *region + ", not " + (options_.region.empty() ? "(none)" : options_.region) +
                   ": set AWS_REGION=" + *region + " (--storage-region)";
  }
  return error;
}

ReplyContext S3Store::reply_context(std::string call) const {
  return ReplyContext{std::string(to_string(options_.location.provider)) + " " + std::move(call),
                      &s3_hint,
                      {options_.secret_access_key, options_.session_token}};
}

net::HttpRequest S3Store::signed_request(std::string method, std::string url,
                                         std::string_view body) const {
  net::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = body;
  request.trust_url_host = true;
  request.aws_sigv4 = &sigv4_;
  // A redirect would lose the signature (it is bound to this origin): 0 hands it back.
  request.max_redirects = 0;
  request.headers.emplace_back("x-amz-content-sha256", payload_sha256_hex(body));
  if (!options_.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", options_.session_token);
  }
  return request;
}

StorageStatus S3Store::put(net::HttpClient& http, std::string_view storage_key,
                           std::string_view bytes, std::string_view content_type) const {
  const ReplyContext context =
      reply_context("PUT " + options_.location.bucket + "/" + std::string(storage_key));
  if (auto problem = key_problem(storage_key); !problem.empty()) {
    return StorageError::permanent(context.what + ": " + problem);
  }
  auto request = signed_request("PUT", object_url(storage_key), bytes);
  request.headers.emplace_back("Content-Type", std::string(content_type));
  request.max_response_bytes = 64 << 10;
  auto result = http.send(request);
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 200) return failure(result.response(), context);
  return storage_ok();
}

StorageResult<std::string> S3Store::get(net::HttpClient& http, std::string_view storage_key,
                                        std::uint64_t max_bytes) const {
  const ReplyContext context =
      reply_context("GET " + options_.location.bucket + "/" + std::string(storage_key));
  if (auto problem = key_problem(storage_key); !problem.empty()) {
    return StorageError::permanent(context.what + ": " + problem);
  }
  auto request = signed_request("GET", object_url(storage_key), {});
  request.max_response_bytes = response_cap(max_bytes);
  auto result = http.send(request);
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 200) return failure(result.response(), context);
  return object_within(std::move(result.response().body), max_bytes, context);
}

StorageResult<ObjectHead> S3Store::get_head(net::HttpClient& http, std::string_view storage_key,
                                            std::uint64_t head_bytes) const {
  const ReplyContext context =
      reply_context("GET (head) " + options_.location.bucket + "/" + std::string(storage_key));
  if (auto problem = key_problem(storage_key); !problem.empty()) {
    return StorageError::permanent(context.what + ": " + problem);
  }
  auto request = signed_request("GET", object_url(storage_key), {});
  request.headers.emplace_back("Range", head_range(head_bytes));
  request.max_response_bytes = response_cap(head_bytes);
  auto result = http.send(request);
  if (!result.ok()) return transport_failure(result.error(), context);
  if (auto head = object_head(result.response(), head_bytes)) return std::move(*head);
  return failure(result.response(), context);
}

StorageStatus S3Store::check(net::HttpClient& http) const {
  const auto& location = options_.location;
  const std::string list_prefix = location.prefix.empty() ? "" : location.prefix + "/";
  const ReplyContext context = reply_context("list " + location_text(location));
  // ListObjects (v1): every S3-compatible server and GCS have it, and v2's continuation
  // token is where emulators break (s3rver on Node 20). Parameters in sorted order and encoded
  // as SigV4's canonical query wants them: libcurl 7.x signs the query as it is written.
  std::string url = bucket_url_ + (bucket_is_host_ ? "/" : "");
  url += "?max-keys=1&prefix=" + net::encode_path_segment(list_prefix);
  auto request = signed_request("GET", std::move(url), {});
  request.max_response_bytes = 1 << 20;
  auto result = http.send(request);
  if (!result.ok()) return transport_failure(result.error(), context);
  if (result.response().status != 200) return failure(result.response(), context);
  return put(http, storage_key(kCheckObjectName), {}, "application/octet-stream");
}

std::string S3Store::describe() const {
  std::string text = location_text(options_.location);
  text += " at " + (options_.endpoint.empty() ? bucket_url_ : options_.endpoint);
  text += " (region " + options_.region + ")";
  return text;
}

}  // namespace patchq::storage
