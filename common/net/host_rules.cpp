#include "common/net/host_rules.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace patchq::net {
namespace {

bool private_v4(std::uint32_t host_order) {
  const auto in = [&](std::uint32_t net, int bits) {
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (host_order & mask) == net;
  };
  return in(0x00000000, 8) ||       // 0.0.0.0/8 "this network", includes 0.0.0.0
         in(0x0A000000, 8) ||       // 10/8
         in(0x64400000, 10) ||      // 100.64/10 carrier-grade NAT
         in(0x7F000000, 8) ||       // 127/8 loopback
         in(0xA9FE0000, 16) ||      // 169.254/16 link-local, cloud metadata
         in(0xAC100000, 12) ||      // 172.16/12
         in(0xC0A80000, 16) ||      // 192.168/16
         host_order >= 0xE0000000;  // multicast, reserved, broadcast
}

bool private_v6(const in6_addr& a) {
  const std::uint8_t* b = a.s6_addr;
  static const std::uint8_t zero[16] = {};
  if (std::memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
  static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, mapped, 12) == 0) {
    return private_v4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                      (std::uint32_t{b[14]} << 8) | b[15]);
  }
  if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (b[0] == 0xff) return true;                           // ff00::/8 multicast
  return false;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_private_address(const sockaddr* address) {
  if (address == nullptr) return true;
  if (address->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);
    return private_v4(ntohl(v4.sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    return private_v6(v6.sin6_addr);
  }
  return true;  // unix sockets and anything else: never a remote host
}

bool is_ip_literal(std::string_view text) {
  const std::string s(text);
  in_addr v4;
  in6_addr v6;
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

bool is_private_ip_literal(std::string_view text) {
  const std::string s(text);
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return private_v4(ntohl(v4.s_addr));
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return private_v6(v6);
  return false;
}

HostRules::HostRules(std::vector<std::string> allowed, bool allow_private)
    : allow_private_(allow_private) {
  for (auto& entry : allowed) {
    std::string e = lower(trim(entry));
    while (!e.empty() && e.back() == '.') e.pop_back();
    if (e.size() > 2 && e.front() == '[' && e.back() == ']') e = e.substr(1, e.size() - 2);
    if (!e.empty() && e != ".") allowed_.push_back(std::move(e));
  }
}

std::vector<std::string> HostRules::parse_list(std::string_view comma_list) {
  std::vector<std::string> out;
  while (!comma_list.empty()) {
    const auto comma = comma_list.find(',');
    const auto item = trim(comma_list.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    comma_list.remove_prefix(comma + 1);
  }
  return out;
}

bool HostRules::allows_host(std::string_view host) const {
  const std::string h = lower(host);
  for (const auto& entry : allowed_) {
    if (entry.front() == '.') {
      // ".amazonaws.com" matches "bucket.s3.amazonaws.com", never "evilamazonaws.com".
      if (h.size() > entry.size() && h.ends_with(entry)) return true;
    } else if (h == entry) {
      return true;
    }
  }
  return false;
}

bool HostRules::allows_address(const sockaddr* address) const {
  return allow_private_ || !is_private_address(address);
}

}  // namespace patchq::net
