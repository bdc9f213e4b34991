// libFuzzer target: any bytes -> URL parsing, redirect resolution and the host/address rules.
// Input: one flag byte, then up to three lines: a URL, a redirect Location, an allow list.
// Invariants: a parsed URL is http(s) with a lower-case bracket-free host and a port in
// 1..65535, and parsing its normalised text again names the same server; an IP literal is
// judged the same as text and as the socket address it becomes; an allowed host is allowed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "common/net/host_rules.hpp"
#include "common/net/url.hpp"

namespace {

using patchq::net::Url;

void require(bool condition) {
  if (!condition) std::abort();
}

std::string_view next_line(std::string_view& rest) {
  const auto end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

// The socket address an IP literal becomes, judged by the address rule; nullopt-like -1 for
// text that inet_pton does not take.
int private_as_socket_address(const std::string& host) {
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return patchq::net::is_private_address(reinterpret_cast<const sockaddr*>(&v4));
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    return patchq::net::is_private_address(reinterpret_cast<const sockaddr*>(&v6));
  }
  return -1;
}

void check_url(const Url& url, const patchq::net::HostRules& rules) {
  require(url.scheme() == "http" || url.scheme() == "https");
  require(!url.host().empty() && url.host().front() != '[');
  for (const char c : url.host()) require(!(c >= 'A' && c <= 'Z'));
  require(url.port() >= 1 && url.port() <= 65535);
  require(url.origin().starts_with(url.scheme() + "://"));
  require(url.redacted().find('?') == std::string::npos);

  const auto again = Url::parse(url.text());
  require(again.ok());
  require(again.value().origin() == url.origin());

  const bool literal = patchq::net::is_ip_literal(url.host());
  const bool private_literal = patchq::net::is_private_ip_literal(url.host());
  require(literal || !private_literal);
  const int as_address = private_as_socket_address(url.host());
  if (as_address >= 0) require(literal && private_literal == (as_address == 1));
  (void)rules.allows_host(url.host());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool allow_private = (data[0] & 1) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string_view url_text = next_line(rest);
  const std::string_view location = next_line(rest);
  const std::string_view allow_list = next_line(rest);

  const auto entries = patchq::net::HostRules::parse_list(allow_list);
  for (const auto& entry : entries) require(!entry.empty());
  const patchq::net::HostRules rules(entries, allow_private);
  for (const auto& entry : entries) {
    // An entry written the way a URL host is ("a.com", not "a.com.", "[::1]", or a pattern:
    // "*.a.com", "@cloud-storage") allows that host.
    const bool pattern = entry.find('*') != std::string::npos || entry.front() == '@';
    if (!pattern && entry.front() != '.' && entry.front() != '[' && entry.back() != '.') {
      require(rules.allows_host(entry));
    }
  }

  // Raw socket addresses: the input's first bytes as an IPv4 and as an IPv6 address.
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  std::memcpy(&v4.sin_addr, data, std::min(size, sizeof v4.sin_addr));
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  std::memcpy(&v6.sin6_addr, data, std::min(size, sizeof v6.sin6_addr));
  for (const sockaddr* address :
       {reinterpret_cast<const sockaddr*>(&v4), reinterpret_cast<const sockaddr*>(&v6)}) {
    require(rules.allows_address(address) ==
            (allow_private || !patchq::net::is_private_address(address)));
  }

  const auto url = Url::parse(url_text);
  if (!url.ok()) {
    require(!url.error().reason.empty());
    return 0;
  }
  check_url(url.value(), rules);
  const auto resolved = url.value().resolve(location);
  if (resolved.ok()) {
    check_url(resolved.value(), rules);
  } else {
    require(!resolved.error().reason.empty());
  }
  return 0;
}
