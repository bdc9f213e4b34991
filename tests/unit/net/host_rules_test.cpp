#include "common/net/host_rules.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace patchq::net {
namespace {

TEST(HostRules, MatchesExactHostsCaseInsensitively) {
  HostRules rules({"darwin.v7labs.com"}, false);
  EXPECT_TRUE(rules.allows_host("darwin.v7labs.com"));
  EXPECT_TRUE(rules.allows_host("DARWIN.v7labs.com"));
  EXPECT_FALSE(rules.allows_host("evil.darwin.v7labs.com"));
  EXPECT_FALSE(rules.allows_host("v7labs.com"));
}

TEST(HostRules, LeadingDotMatchesSubdomainsOnly) {
  HostRules rules({".amazonaws.com"}, false);
  EXPECT_TRUE(rules.allows_host("bucket.s3.amazonaws.com"));
  EXPECT_FALSE(rules.allows_host("amazonaws.com"));
  EXPECT_FALSE(rules.allows_host("evilamazonaws.com"));
  EXPECT_FALSE(rules.allows_host("amazonaws.com.evil.net"));
}

TEST(HostRules, ParsesACommaListSkippingBlanks) {
  EXPECT_EQ(HostRules::parse_list(" a.com, .b.com,,c.com "),
            (std::vector<std::string>{"a.com", ".b.com", "c.com"}));
  EXPECT_TRUE(HostRules::parse_list("").empty());
}

TEST(HostRules, EmptyListAllowsNoHost) {
  HostRules rules;
  EXPECT_FALSE(rules.allows_host("anything.com"));
}

TEST(PrivateAddress, RefusesTheDefaultPrivateRanges) {
  for (const char* ip :
       {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "::", "fc00::1", "fd12:3456::1",
        "fe80::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1", "255.255.255.255"}) {
    EXPECT_TRUE(is_private_ip_literal(ip)) << ip;
  }
}

TEST(PrivateAddress, AllowsPublicAddresses) {
  for (const char* ip : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "1.1.1.1",
                         "2606:4700::1111", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(is_private_ip_literal(ip)) << ip;
  }
}

TEST(PrivateAddress, NamesAreNotIpLiterals) {
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_private_ip_literal("localhost"));
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
}

TEST(PrivateAddress, SocketAddressCheckFollowsAllowPrivate) {
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &loopback.sin_addr);
  sockaddr_in6 public_v6{};
  public_v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2606:4700::1111", &public_v6.sin6_addr);
  const auto* lo = reinterpret_cast<const sockaddr*>(&loopback);
  const auto* pub = reinterpret_cast<const sockaddr*>(&public_v6);
  EXPECT_FALSE(HostRules({}, false).allows_address(lo));
  EXPECT_TRUE(HostRules({}, true).allows_address(lo));
  EXPECT_TRUE(HostRules({}, false).allows_address(pub));
}

}  // namespace
}  // namespace patchq::net
