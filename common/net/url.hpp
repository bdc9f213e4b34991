// Url: an absolute http(s) URL split into the parts patchq's security rules look at (scheme,
// host, port), parsed by libcurl's own URL parser so that what we check is exactly what libcurl
// will connect to. Invariant: a Url value is always absolute, http or https, with a host and an
// explicit port (the scheme's default when the text had none); hosts are lower-case.
#pragma once

#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::net {

class Url {
 public:
  // Parses an absolute http(s) URL; anything else fails with the reason.
  static Result<Url> parse(std::string_view text);
  // Resolves `location` (a redirect's Location: absolute, scheme-relative or relative) against
  // this URL, as a browser would. Failure reasons read after "redirect from <url> ":
  // "to refused scheme gopher", "to a malformed Location".
  Result<Url> resolve(std::string_view location) const;

  const std::string& text() const { return text_; }  // normalised full URL, what is requested
  const std::string& scheme() const { return scheme_; }
  // Host as written in the URL without IPv6 brackets ("::1", not "[::1]").
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // Path without query or fragment, dot segments removed ("/api/v2/x").
  const std::string& path() const { return path_; }
  // "https://darwin.v7labs.com:443": equal origins mean the same server for credentials.
  std::string origin() const;
  // scheme://host[:port]/path with query and fragment cut: presigned URLs carry signatures in
  // the query string, so error texts and logs only ever show this form.
  std::string redacted() const;

 private:
  std::string text_;
  std::string scheme_;
  std::string host_;
  std::string path_;
  int port_ = 0;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for one path segment.
std::string encode_path_segment(std::string_view segment);

}  // namespace patchq::net
