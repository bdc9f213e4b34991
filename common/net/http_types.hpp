// Values that go into and come out of HttpClient: the request, the response, and the
// transport error (no HTTP status: the exchange itself failed). Errors are values; the layer
// above (common/v7) decides which of them are worth retrying.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace patchq::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A secret header value scoped to one origin ("https://darwin.v7labs.com:443") and a path
// prefix ("/api/"): never sent to another host, port or scheme, and so never to a storage
// host a redirect points at; the prefix also keeps it from storage paths served on the API's
// own origin (as the V7 stand-in does under /_storage/).
struct Credential {
  std::string origin;
  std::string path_prefix;    // empty: any path on the origin
  std::string authorization;  // the whole Authorization value, e.g. "ApiKey <key>"
};

// AWS Signature Version 4, computed by libcurl (CURLOPT_AWS_SIGV4) from the final request of a
// hop. Scoped like Credential: applied only on hops whose scheme+host+port equal `origin`, so a
// redirect to another host is never signed with these keys. The secret never leaves libcurl.
struct AwsSigV4 {
  std::string origin;         // "http://127.0.0.1:9000", "https://b.s3.us-east-1.amazonaws.com:443"
  std::string provider;       // CURLOPT_AWS_SIGV4 parameter: "aws:amz:<region>:s3"
  std::string access_key_id;  // sent in the Authorization header (not a secret by itself)
  std::string secret_access_key;  // only ever an HMAC key
};

struct HttpRequest {
  std::string method = "GET";
  std::string url{};
  Headers headers{};                       // sent on every hop; never put secrets here
  std::string_view body{};                 // not owned: must outlive the call
  const Credential* credential = nullptr;  // see Credential
  const AwsSigV4* aws_sigv4 = nullptr;     // see AwsSigV4
  // The URL itself came from V7 (a presigned upload URL): its host is trusted by name for this
  // request even when it is not on the allowed list. Address rules still apply.
  bool trust_url_host = false;
  std::uint64_t max_response_bytes = 16u << 20;
  int max_redirects = 5;
  std::optional<std::chrono::milliseconds> timeout{};  // overrides the client's transfer timeout
  // Download floor: once `slow_grace` has passed on a hop, its average download rate since the
  // hop began must stay at or above this many bytes a second, or the hop is aborted (timeout).
  // 0: off. So a hop of N bytes gets at most max(slow_grace, N / min_download_rate).
  std::uint64_t min_download_rate = 0;
  std::chrono::milliseconds slow_grace{10000};
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // names lower-case, of the final hop only
  std::string body;
  std::string final_url;  // redacted (no query string): safe to log
  int redirects = 0;
  // First value of a header, by lower-case name.
  std::optional<std::string_view> header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return std::string_view(value);
    }
    return std::nullopt;
  }
};

struct TransportError {
  enum class Kind {
    bad_url,             // malformed or not http(s)
    host_not_allowed,    // name not on the allowed list
    address_refused,     // in a refused special-purpose range (special_addresses.hpp)
    too_large,           // response body over the limit (aborted while streaming)
    too_many_redirects,  // the redirect bound was hit
    bad_redirect,        // 3xx without a usable Location, or to a refused scheme
    timeout,             // connect or transfer timeout, or slower than the download floor
    dns,                 // name did not resolve
    connect,             // connection refused/unreachable
    tls,                 // certificate or handshake failure
    network,             // anything else on the wire (reset, partial body...)
  } kind;
  std::string message;  // readable, with redacted URLs, never a credential
};

std::string_view to_string(TransportError::Kind kind);
// Failures that can pass by themselves (timeout, DNS, refused or reset connection), so worth
// another attempt later; the others (refused by the rules, too large, TLS...) are not.
bool is_transient(TransportError::Kind kind);

class HttpResult {
 public:
  HttpResult(HttpResponse r) : value_(std::move(r)) {}
  HttpResult(TransportError e) : value_(std::move(e)) {}
  bool ok() const { return value_.index() == 0; }
  HttpResponse& response() { return std::get<0>(value_); }
  const HttpResponse& response() const { return std::get<0>(value_); }
  const TransportError& error() const { return std::get<1>(value_); }

 private:
  std::variant<HttpResponse, TransportError> value_;
};

}  // namespace patchq::net
