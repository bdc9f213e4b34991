// Special-purpose addresses: which IP addresses patchq refuses to connect to by default. The
// list is IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and successors),
// plus multicast and the reserved IPv6 space outside 2000::/3, held as one table per family
// and matched longest prefix first (so "192.0.0.9/32, globally reachable" inside "192.0.0.0/24,
// not reachable" wins). Prefixes that carry an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96,
// 6to4 2002::/16, Teredo 2001::/32) are judged by the IPv4 addresses they embed.
// Pure functions of their input: no state, no system calls beyond inet_pton.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

struct sockaddr;

namespace patchq::net {

enum class RangeVerdict {
  refused,        // not globally reachable (private, loopback, documentation, reserved...)
  reachable,      // globally reachable: allowed
  embedded_ipv4,  // judged by the IPv4 address(es) this IPv6 prefix carries
};

struct SpecialRange {
  std::uint8_t bytes[16];  // the prefix, network order; IPv4 ranges use the first 4 bytes
  int bits;
  RangeVerdict verdict;
  std::string_view name;  // IANA's name, used in refusal texts ("Documentation (TEST-NET-1)")
};

// The tables themselves (for tests and documentation).
std::span<const SpecialRange> ipv4_special_ranges();
std::span<const SpecialRange> ipv6_special_ranges();

struct AddressJudgement {
  bool refused = false;
  std::string_view range;       // the matching range's name; empty for an ordinary public address
  std::string_view carried_by;  // the IPv6 prefix that carried the judged IPv4 address, if any
};

// Judges an IPv4 address (4 bytes, network order) or IPv6 address (16 bytes).
AddressJudgement judge_ipv4(const std::uint8_t (&address)[4]);
AddressJudgement judge_ipv6(const std::uint8_t (&address)[16]);
// The same for a socket address (AF_INET/AF_INET6; anything else is refused) and for an IP
// literal ("10.0.0.1", "::1"; names and malformed text are not refused: judged after DNS).
AddressJudgement judge_address(const sockaddr* address);
AddressJudgement judge_ip_literal(std::string_view text);
// "Private-Use carried in 6to4", for refusal texts.
std::string describe(const AddressJudgement& judgement);

}  // namespace patchq::net
