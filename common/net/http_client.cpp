#include "common/net/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "common/net/special_addresses.hpp"
#include "common/net/url.hpp"

namespace patchq::net {

std::string_view to_string(TransportError::Kind kind) {
  using K = TransportError::Kind;
  switch (kind) {
    case K::bad_url:
      return "bad_url";
    case K::host_not_allowed:
      return "host_not_allowed";
    case K::address_refused:
      return "address_refused";
    case K::too_large:
      return "too_large";
    case K::too_many_redirects:
      return "too_many_redirects";
    case K::bad_redirect:
      return "bad_redirect";
    case K::timeout:
      return "timeout";
    case K::dns:
      return "dns";
    case K::connect:
      return "connect";
    case K::tls:
      return "tls";
    case K::network:
      return "network";
  }
  return "network";
}

bool is_transient(TransportError::Kind kind) {
  using K = TransportError::Kind;
  return kind == K::timeout || kind == K::dns || kind == K::connect || kind == K::network;
}

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string address_text(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);
    inet_ntop(AF_INET, &v4.sin_addr, buf, sizeof buf);
  } else if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf);
  } else {
    return "non-IP address";
  }
  return buf;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

// State of one HTTP exchange, seen by libcurl's callbacks.
struct HttpClient::Hop {
  bool private_ok = false;  // HostRules::allows_private_for this hop's URL
  std::uint64_t max_bytes = 0;
  std::uint64_t min_rate = 0;  // bytes a second; 0: no download floor
  std::chrono::milliseconds grace{0};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool too_large = false;
  bool too_slow = false;
  std::uint64_t slow_bytes = 0;
  double slow_seconds = 0;
  bool address_refused = false;
  std::string refused_address;
  std::string refused_range;
  HttpResponse response;

  // libcurl calls this at least once a second, also while no byte arrives.
  static int on_progress(void* self, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t) {
    auto* hop = static_cast<Hop*>(self);
    if (hop->min_rate == 0) return 0;
    const auto elapsed = std::chrono::steady_clock::now() - hop->started;
    if (elapsed < hop->grace) return 0;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (static_cast<double>(downloaded) >= static_cast<double>(hop->min_rate) * seconds) return 0;
    hop->too_slow = true;
    hop->slow_bytes = static_cast<std::uint64_t>(std::max<curl_off_t>(0, downloaded));
    hop->slow_seconds = seconds;
    return 1;  // abort: CURLE_ABORTED_BY_CALLBACK
  }

  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* hop = static_cast<Hop*>(self);
    const size_t n = size * count;
    if (hop->response.body.size() + n > hop->max_bytes) {
      hop->too_large = true;
      return 0;  // abort now: libcurl stops the transfer with CURLE_WRITE_ERROR
    }
    hop->response.body.append(data, n);
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    auto* hop = static_cast<Hop*>(self);
    const size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {  // a new response (after 1xx or on a fresh hop)
      hop->response.headers.clear();
      return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' ||
                              value.back() == '\t')) {
      value.remove_suffix(1);
    }
    if (hop->response.headers.size() < 200) hop->response.headers.emplace_back(name, value);
    return n;
  }

  // Runs instead of socket(2): the one place that sees the resolved address of every new
  // connection, so a name that resolves (or rebinds) to a private address is refused here.
  static curl_socket_t on_open_socket(void* self, curlsocktype, curl_sockaddr* address) {
    auto* hop = static_cast<Hop*>(self);
    if (!hop->private_ok) {
      if (const auto judgement = judge_address(&address->addr); judgement.refused) {
        hop->address_refused = true;
        hop->refused_address = address_text(&address->addr);
        hop->refused_range = describe(judgement);
        return CURL_SOCKET_BAD;
      }
    }
    return socket(address->family, address->socktype, address->protocol);
  }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  global_init_once();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_slist* list = nullptr;
  for (const auto& entry : options_.resolve) list = curl_slist_append(list, entry.c_str());
  resolve_list_ = list;
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_slist_free_all(static_cast<curl_slist*>(resolve_list_));
}

HttpResult HttpClient::send(const HttpRequest& request) {
  const auto deadline =
      std::chrono::steady_clock::now() + request.timeout.value_or(options_.transfer_timeout);
  auto url = Url::parse(request.url);
  if (!url) return TransportError{TransportError::Kind::bad_url, url.error().reason};

  std::string method = request.method;
  std::string_view body = request.body;
  bool trusted_by_name = request.trust_url_host;
  for (int redirects = 0;; ++redirects) {
    const bool credential_origin =
        request.credential != nullptr && url->origin() == request.credential->origin;
    const bool credential_hop =
        credential_origin && url->path().starts_with(request.credential->path_prefix);
    if (auto refused = options_.rules.check_hop(*url, trusted_by_name || credential_origin)) {
      return std::move(*refused);
    }
    Hop hop;
    hop.private_ok = options_.rules.allows_private_for(*url);
    hop.max_bytes = request.max_response_bytes;
    hop.min_rate = request.min_download_rate;
    hop.grace = request.slow_grace;
    HttpRequest hop_request = request;
    hop_request.method = method;
    hop_request.body = body;
    hop_request.url = url->text();
    if (!credential_hop) hop_request.credential = nullptr;
    if (request.aws_sigv4 != nullptr && url->origin() != request.aws_sigv4->origin) {
      hop_request.aws_sigv4 = nullptr;
    }
    auto result = perform_hop(hop, hop_request, deadline);
    if (!result.ok()) return result;
    auto& response = result.response();
    response.redirects = redirects;
    response.final_url = url->redacted();
    // max_redirects 0: no redirect is followed, the 3xx itself is the answer (a signed storage
    // request reads it: its signature would not survive another host).
    if (!is_redirect(response.status) || request.max_redirects == 0) return result;

    if (redirects >= request.max_redirects) {
      return TransportError{TransportError::Kind::too_many_redirects,
                            "more than " + std::to_string(request.max_redirects) +
                                " redirects, last at " + url->redacted()};
    }
    const auto location = response.header("location");
    auto next = location ? url->resolve(*location) : Result<Url>(fail("without a Location"));
    if (!next) {
      return TransportError{TransportError::Kind::bad_redirect,
                            "redirect " + std::to_string(response.status) + " from " +
                                url->redacted() + " " + next.error().reason};
    }
    // A redirect issued by the credential's origin (the V7 API) is V7's own word: its target
    // is trusted by name, but it never gets the credential unless it is in scope again.
    trusted_by_name = credential_origin;
    if (response.status == 303 ||
        ((response.status == 301 || response.status == 302) && method == "POST")) {
      if (method != "HEAD") method = "GET";
      body = {};
    }
    url = std::move(next);
  }
}

HttpResult HttpClient::perform_hop(Hop& hop, const HttpRequest& request,
                                   std::chrono::steady_clock::time_point deadline) {
  using K = TransportError::Kind;
  auto* curl = static_cast<CURL*>(curl_);
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (remaining.count() <= 0) return TransportError{K::timeout, "total timeout reached"};

  // Reset drops options but keeps live connections, TLS sessions and the DNS cache.
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options_.connect_timeout, remaining).count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(options_.low_speed_time.count()));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.max_response_bytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Hop::on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &hop);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Hop::on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hop);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &Hop::on_open_socket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &hop);
  if (hop.min_rate > 0) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &Hop::on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &hop);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  if (resolve_list_ != nullptr) curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve_list_);
  char curl_error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);

  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    add_header(name + ": " + value);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    has_content_type |= lower == "content-type";
  }
  // libcurl's SigV4 signs every header in the list, removals ("Name:") included, which are
  // then not sent, so the server's signature would differ: signed hops send no removals.
  const bool signs_sigv4 = request.aws_sigv4 != nullptr;
  if (!signs_sigv4) add_header("Expect:");  // no 100-continue round trip before bodies
  std::string auth_line;
  if (request.credential != nullptr) {
    auth_line = "Authorization: " + request.credential->authorization;
    add_header(auth_line);
  }
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    // POSTFIELDS with an explicit size sends the bytes as they are (no copy, binary-safe);
    // CUSTOMREQUEST turns the POST into PUT/PATCH/DELETE while keeping the body.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data() ? request.body.data() : "");
    if (request.method != "POST")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!has_content_type) {
      // No form-urlencoded default; a signed hop gets an explicit neutral type (see above).
      add_header(signs_sigv4 ? "Content-Type: application/octet-stream" : "Content-Type:");
    }
  }
  if (signs_sigv4) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.aws_sigv4->provider.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.aws_sigv4->access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.aws_sigv4->secret_access_key.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  const CURLcode code = curl_easy_perform(curl);
  ++requests_;
  long connects = 0;
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += static_cast<std::uint64_t>(std::max(0L, connects));

  const std::string where = Url::parse(request.url).value().redacted();
  if (code != CURLE_OK) {
    if (hop.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return TransportError{K::too_large, "response from " + where + " is larger than " +
                                              std::to_string(request.max_response_bytes) +
                                              " bytes (aborted)"};
    }
    if (hop.address_refused) {
      return TransportError{K::address_refused, where + " resolved to " + hop.refused_address +
                                                    ", in a refused range (" + hop.refused_range +
                                                    "), and private hosts are not allowed"};
    }
    if (hop.too_slow) {
      return TransportError{
          K::timeout, "download from " + where + " too slow: " + std::to_string(hop.slow_bytes) +
                          " bytes in " + std::to_string(static_cast<int>(hop.slow_seconds)) +
                          " s, under the floor of " + std::to_string(hop.min_rate) +
                          " bytes/s (aborted)"};
    }
    const std::string detail = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code);
    K kind = K::network;
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        kind = K::timeout;
        break;
      case CURLE_COULDNT_RESOLVE_HOST:
        kind = K::dns;
        break;
      case CURLE_COULDNT_CONNECT:
        kind = K::connect;
        break;
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        kind = K::bad_url;
        break;
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
        kind = K::tls;
        break;
      default:
        break;
    }
    return TransportError{kind,
                          std::string(to_string(kind)) + " error on " + where + ": " + detail};
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  hop.response.status = static_cast<int>(status);
  return std::move(hop.response);
}

}  // namespace patchq::net
