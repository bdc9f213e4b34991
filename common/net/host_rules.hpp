// HostRules: which servers patchq may talk to. Two independent checks, both applied to every
// hop of every request:
//   1. by name: the host must be the V7 API host, match an allowed entry ("cdn.example.com"
//      exactly, ".amazonaws.com" any subdomain of it), or be trusted for this one request
//      (presigned URLs returned by V7 itself, redirects issued by the V7 API);
//   2. by address: the address actually connected to (after DNS, so rebinding to 127.0.0.1 or
//      169.254.169.254 is caught) must not be private, loopback, link-local or unspecified,
//      unless private addresses are allowed (tests and the loopback demo).
// Invariant: a HostRules value is immutable once built, so transfers on many threads share it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sockaddr;

namespace patchq::net {

// True for addresses patchq refuses by default: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16,
// 172.16/12, 192.168/16, 224/4 and up; ::, ::1, fc00::/7, fe80::/10, ff00::/8; IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry.
bool is_private_address(const sockaddr* address);
// The same for an IP literal ("10.0.0.1", "::1"); false for names and malformed text.
bool is_private_ip_literal(std::string_view text);
bool is_ip_literal(std::string_view text);

class HostRules {
 public:
  HostRules() = default;
  // `allowed` entries: exact host names or IP literals, or ".suffix" for any subdomain.
  HostRules(std::vector<std::string> allowed, bool allow_private);

  // Parses a comma list ("a.com, .b.com") into entries; empty items are skipped.
  static std::vector<std::string> parse_list(std::string_view comma_list);

  bool allow_private() const { return allow_private_; }
  // Name check: is `host` (lower-case, no brackets) on the allowed list?
  bool allows_host(std::string_view host) const;
  // Address check for the socket about to be opened.
  bool allows_address(const sockaddr* address) const;

 private:
  std::vector<std::string> allowed_;
  bool allow_private_ = false;
};

}  // namespace patchq::net
