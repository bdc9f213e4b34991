#include "common/net/special_addresses.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

namespace patchq::net {
namespace {

using enum RangeVerdict;

// IANA IPv4 Special-Purpose Address Registry, every entry (globally reachable ones too, so the
// table reads like the registry), plus multicast. Addresses in no entry are public.
constexpr SpecialRange kIpv4[] = {
    {{0, 0, 0, 0}, 8, refused, "This network"},                             // 0.0.0.0/8
    {{10, 0, 0, 0}, 8, refused, "Private-Use"},                             // 10.0.0.0/8
    {{100, 64, 0, 0}, 10, refused, "Shared Address Space"},                 // 100.64.0.0/10
    {{127, 0, 0, 0}, 8, refused, "Loopback"},                               // 127.0.0.0/8
    {{169, 254, 0, 0}, 16, refused, "Link Local"},                          // 169.254.0.0/16
    {{172, 16, 0, 0}, 12, refused, "Private-Use"},                          // 172.16.0.0/12
    {{192, 0, 0, 0}, 24, refused, "IETF Protocol Assignments"},             // 192.0.0.0/24
    {{192, 0, 0, 0}, 29, refused, "IPv4 Service Continuity Prefix"},        // 192.0.0.0/29
    {{192, 0, 0, 8}, 32, refused, "IPv4 dummy address"},                    // 192.0.0.8/32
    {{192, 0, 0, 9}, 32, reachable, "Port Control Protocol Anycast"},       // 192.0.0.9/32
    {{192, 0, 0, 10}, 32, reachable, "TURN Anycast"},                       // 192.0.0.10/32
    {{192, 0, 0, 170}, 32, refused, "NAT64/DNS64 Discovery"},               // 192.0.0.170/32
    {{192, 0, 0, 171}, 32, refused, "NAT64/DNS64 Discovery"},               // 192.0.0.171/32
    {{192, 0, 2, 0}, 24, refused, "Documentation (TEST-NET-1)"},            // 192.0.2.0/24
    {{192, 31, 196, 0}, 24, reachable, "AS112-v4"},                         // 192.31.196.0/24
    {{192, 52, 193, 0}, 24, reachable, "AMT"},                              // 192.52.193.0/24
    {{192, 88, 99, 0}, 24, refused, "Deprecated (6to4 Relay Anycast)"},     // 192.88.99.0/24
    {{192, 168, 0, 0}, 16, refused, "Private-Use"},                         // 192.168.0.0/16
    {{192, 175, 48, 0}, 24, reachable, "Direct Delegation AS112 Service"},  // 192.175.48.0/24
    {{198, 18, 0, 0}, 15, refused, "Benchmarking"},                         // 198.18.0.0/15
    {{198, 51, 100, 0}, 24, refused, "Documentation (TEST-NET-2)"},         // 198.51.100.0/24
    {{203, 0, 113, 0}, 24, refused, "Documentation (TEST-NET-3)"},          // 203.0.113.0/24
    {{224, 0, 0, 0}, 4, refused, "Multicast"},                              // 224.0.0.0/4
    {{240, 0, 0, 0}, 4, refused, "Reserved"},                               // 240.0.0.0/4
    {{255, 255, 255, 255}, 32, refused, "Limited Broadcast"},               // 255.255.255.255/32
};

// IANA IPv6 Special-Purpose Address Registry, plus: everything outside 2000::/3 (IANA's
// reserved and unallocated space, where no public host lives) is refused, and multicast.
constexpr SpecialRange kIpv6[] = {
    {{}, 0, refused, "Reserved (outside Global Unicast 2000::/3)"},  // ::/0
    {{0x20}, 3, reachable, "Global Unicast"},                        // 2000::/3
    {{}, 128, refused, "Unspecified Address"},                       // ::/128
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, refused, "Loopback Address"},  // ::1
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, embedded_ipv4, "IPv4-mapped Address"},
    {{0, 0x64, 0xff, 0x9b}, 96, embedded_ipv4, "IPv4-IPv6 Translation (NAT64)"},  // 64:ff9b::/96
    {{0, 0x64, 0xff, 0x9b, 0, 1},
     48,
     refused,
     "Local-Use IPv4/IPv6 Translation"},                              // 64:ff9b:1::/48
    {{0x01}, 64, refused, "Discard-Only Address Block"},              // 100::/64
    {{0x01, 0, 0, 0, 0, 0, 0, 1}, 64, refused, "Dummy IPv6 Prefix"},  // 100:0:0:1::/64
    {{0x20, 0x01}, 23, refused, "IETF Protocol Assignments"},         // 2001::/23
    {{0x20, 0x01}, 32, embedded_ipv4, "TEREDO"},                      // 2001::/32
    {{0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
     128,
     reachable,
     "Port Control Protocol Anycast"},  // 2001:1::1/128
    {{0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
     128,
     reachable,
     "TURN Anycast"},  // 2001:1::2/128
    {{0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
     128,
     reachable,
     "DNS-SD Service Registration Protocol Anycast"},                        // 2001:1::3/128
    {{0x20, 0x01, 0, 2}, 48, refused, "Benchmarking"},                       // 2001:2::/48
    {{0x20, 0x01, 0, 3}, 32, reachable, "AMT"},                              // 2001:3::/32
    {{0x20, 0x01, 0, 4, 0x01, 0x12}, 48, reachable, "AS112-v6"},             // 2001:4:112::/48
    {{0x20, 0x01, 0, 0x10}, 28, refused, "Deprecated (previously ORCHID)"},  // 2001:10::/28
    {{0x20, 0x01, 0, 0x20}, 28, reachable, "ORCHIDv2"},                      // 2001:20::/28
    {{0x20, 0x01, 0, 0x30}, 28, reachable, "Drone Remote ID Protocol Entity Tags"},  // 2001:30::/28
    {{0x20, 0x01, 0x0d, 0xb8}, 32, refused, "Documentation"},  // 2001:db8::/32
    {{0x20, 0x02}, 16, embedded_ipv4, "6to4"},                 // 2002::/16
    {{0x26, 0x20, 0, 0x4f, 0x80},
     48,
     reachable,
     "Direct Delegation AS112 Service"},                         // 2620:4f:8000::/48
    {{0x3f, 0xff}, 20, refused, "Documentation"},                // 3fff::/20
    {{0x5f, 0x00}, 16, refused, "Segment Routing (SRv6) SIDs"},  // 5f00::/16
    {{0xfc}, 7, refused, "Unique-Local"},                        // fc00::/7
    {{0xfe, 0x80}, 10, refused, "Link-Local Unicast"},           // fe80::/10
    {{0xfe, 0xc0}, 10, refused, "Site-Local (deprecated)"},      // fec0::/10
    {{0xff}, 8, refused, "Multicast"},                           // ff00::/8
};

bool in_prefix(const std::uint8_t* address, const SpecialRange& range) {
  const int whole = range.bits / 8;
  if (std::memcmp(address, range.bytes, static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = range.bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[whole] & mask) == (range.bytes[whole] & mask);
}

const SpecialRange* longest_match(const std::uint8_t* address,
                                  std::span<const SpecialRange> table) {
  const SpecialRange* best = nullptr;
  for (const auto& range : table) {
    if (in_prefix(address, range) && (best == nullptr || range.bits > best->bits)) best = &range;
  }
  return best;
}

AddressJudgement judge_embedded(const std::uint8_t (&a)[16], const SpecialRange& range) {
  std::uint8_t v4[4];
  if (range.bits == 16) {  // 6to4: 2002:AABB:CCDD::/48 carries A.B.C.D
    std::memcpy(v4, a + 2, 4);
    return judge_ipv4(v4);
  }
  if (range.bits == 32) {  // Teredo: server address in bits 32-63, client (inverted) in 96-127
    std::memcpy(v4, a + 4, 4);
    if (auto server = judge_ipv4(v4); server.refused) return server;
    for (int i = 0; i < 4; ++i) v4[i] = static_cast<std::uint8_t>(~a[12 + i]);
    return judge_ipv4(v4);
  }
  std::memcpy(v4, a + 12, 4);  // IPv4-mapped and NAT64 carry it in the last 32 bits
  return judge_ipv4(v4);
}

}  // namespace

std::span<const SpecialRange> ipv4_special_ranges() {
  return kIpv4;
}
std::span<const SpecialRange> ipv6_special_ranges() {
  return kIpv6;
}

AddressJudgement judge_ipv4(const std::uint8_t (&address)[4]) {
  const SpecialRange* range = longest_match(address, kIpv4);
  if (range == nullptr) return {};
  return {range->verdict == refused, range->name, {}};
}

AddressJudgement judge_ipv6(const std::uint8_t (&address)[16]) {
  const SpecialRange* range = longest_match(address, kIpv6);
  if (range == nullptr) return {true, "Reserved", {}};  // unreachable: ::/0 matches everything
  if (range->verdict != embedded_ipv4) return {range->verdict == refused, range->name, {}};
  AddressJudgement inner = judge_embedded(address, *range);
  inner.carried_by = range->name;
  return inner;
}

AddressJudgement judge_address(const sockaddr* address) {
  if (address == nullptr) return {true, "no address", {}};
  if (address->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);
    std::uint8_t bytes[4];
    std::memcpy(bytes, &v4.sin_addr, 4);
    return judge_ipv4(bytes);
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    std::uint8_t bytes[16];
    std::memcpy(bytes, &v6.sin6_addr, 16);
    return judge_ipv6(bytes);
  }
  return {true, "not an IP address", {}};  // unix sockets and the like: never a remote host
}

AddressJudgement judge_ip_literal(std::string_view text) {
  const std::string s(text);
  std::uint8_t v4[4];
  std::uint8_t v6[16];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) return judge_ipv4(v4);
  if (inet_pton(AF_INET6, s.c_str(), v6) == 1) return judge_ipv6(v6);
  return {};
}

std::string describe(const AddressJudgement& judgement) {
  std::string out(judgement.range);
  if (!judgement.carried_by.empty()) out += " carried in " + std::string(judgement.carried_by);
  return out;
}

}  // namespace patchq::net
