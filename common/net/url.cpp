#include "common/net/url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace patchq::net {
namespace {

struct UrlHandleFree {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleFree>;

std::optional<std::string> get_part(CURLU* h, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(h, part, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

Result<Url> from_handle(CURLU* h, auto make) {
  auto scheme = get_part(h, CURLUPART_SCHEME);
  if (!scheme) return fail("URL has no scheme");
  if (*scheme != "http" && *scheme != "https") {
    return fail("URL has refused scheme " + *scheme + " (only http and https)");
  }
  auto host = get_part(h, CURLUPART_HOST);
  if (!host || host->empty()) return fail("URL has no host");
  if (get_part(h, CURLUPART_USER)) return fail("URL carries user credentials");
  auto port = get_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  auto full = get_part(h, CURLUPART_URL);
  auto path = get_part(h, CURLUPART_PATH);
  if (!port || !full) return fail("URL could not be normalised");
  // libcurl takes ":0", which no server listens on.
  const int port_number = std::stoi(*port);
  if (port_number < 1 || port_number > 65535) return fail("URL port " + *port + " is out of range");
  std::string bare = *host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  std::transform(bare.begin(), bare.end(), bare.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!bare.empty() && bare.back() == '.') bare.pop_back();  // "host." is "host"
  if (bare.empty()) return fail("URL has no host");
  // libcurl decodes "%7f" in a host into DEL, which its own parser then refuses in the URL it
  // printed: no host name has control characters.
  if (std::any_of(bare.begin(), bare.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return fail("URL host has a control character");
  }
  return make(std::move(*full), std::move(*scheme), std::move(bare), path.value_or("/"),
              port_number);
}

}  // namespace

Result<Url> Url::parse(std::string_view text) {
  UrlHandle h(curl_url());
  if (!h) return fail("out of memory");
  const std::string copy(text);
  if (copy.find_first_of("\r\n\t ") != std::string::npos ||
      curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return fail("malformed URL");
  }
  return from_handle(h.get(), [](std::string full, std::string scheme, std::string host,
                                 std::string path, int port) {
    Url u;
    u.text_ = std::move(full);
    u.scheme_ = std::move(scheme);
    u.host_ = std::move(host);
    u.path_ = std::move(path);
    u.port_ = port;
    return u;
  });
}

Result<Url> Url::resolve(std::string_view location) const {
  UrlHandle h(curl_url());
  if (!h || curl_url_set(h.get(), CURLUPART_URL, text_.c_str(), 0) != CURLUE_OK) {
    return fail("malformed base URL");
  }
  const std::string copy(location);
  // Any scheme is parsed (not only those libcurl speaks), so a refusal can name it.
  if (copy.empty() || copy.find_first_of("\r\n\t ") != std::string::npos ||
      curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return fail("to a malformed Location");
  }
  const auto scheme = get_part(h.get(), CURLUPART_SCHEME);
  if (scheme && *scheme != "http" && *scheme != "https") {
    return fail("to refused scheme " + *scheme);
  }
  auto full = get_part(h.get(), CURLUPART_URL);
  if (!full) return fail("to a malformed Location");
  auto next = parse(*full);
  if (!next) return fail("to an unusable Location: " + next.error().reason);
  return next;
}

std::string Url::origin() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return scheme_ + "://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string Url::redacted() const {
  const bool v6 = host_.find(':') != std::string::npos;
  const bool default_port =
      (scheme_ == "https" && port_ == 443) || (scheme_ == "http" && port_ == 80);
  std::string out = scheme_ + "://" + (v6 ? "[" + host_ + "]" : host_);
  if (!default_port) out += ":" + std::to_string(port_);
  return out + path_;
}

std::string encode_path_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace patchq::net
