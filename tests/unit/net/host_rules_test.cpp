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

TEST(HostRules, ComparesIpv6LiteralsWhateverTheirSpelling) {
  HostRules rules({"[64:ff9b::127.0.0.1]", "2001:DB8:0::1"}, false);
  EXPECT_TRUE(rules.allows_host("64:ff9b::7f00:1"));
  EXPECT_TRUE(rules.allows_host("2001:db8::1"));
  EXPECT_FALSE(rules.allows_host("2001:db8::2"));
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

TEST(CloudStorageHosts, MatchPresignedUrlHostsOfS3GcsAndAzure) {
  HostRules rules({std::string(kCloudStorageEntry)}, false);
  for (const char* host :
       {"s3.amazonaws.com", "bucket.s3.amazonaws.com", "s3.eu-west-1.amazonaws.com",
        "bucket.s3.eu-west-1.amazonaws.com", "my.dotted.bucket.s3.us-east-2.amazonaws.com",
        "s3-us-west-2.amazonaws.com", "bucket.s3-us-west-2.amazonaws.com",
        "bucket.s3-external-1.amazonaws.com", "s3.dualstack.ap-south-1.amazonaws.com",
        "bucket.s3.dualstack.ap-south-1.amazonaws.com", "bucket.s3-accelerate.amazonaws.com",
        "bucket.s3-accelerate.dualstack.amazonaws.com", "bucket.s3.cn-north-1.amazonaws.com.cn",
        "storage.googleapis.com", "bucket.storage.googleapis.com", "account.blob.core.windows.net",
        "ACCOUNT.Blob.Core.Windows.Net", "account.blob.core.usgovcloudapi.net",
        "account.blob.core.chinacloudapi.cn"}) {
    EXPECT_TRUE(rules.allows_host(host)) << host;
  }
}

TEST(CloudStorageHosts, RefuseLookAlikesAndOtherServicesOfTheSameClouds) {
  HostRules rules({std::string(kCloudStorageEntry)}, false);
  for (const char* host :
       {"amazonaws.com", "evil-s3.amazonaws.com", "s3.amazonaws.com.evil.com",
        "bucket.s3.amazonaws.com.evil.com", "s3.evil.com", "ec2-1-2-3-4.compute-1.amazonaws.com",
        "api.execute-api.us-east-1.amazonaws.com", "lb.us-east-1.elb.amazonaws.com",
        "s3-.amazonaws.com", ".s3.amazonaws.com", "googleapis.com", "evilstorage.googleapis.com",
        "storage.googleapis.com.evil.net", "www.googleapis.com", "blob.core.windows.net",
        "account.blob.core.windows.net.evil.net", "account.queue.core.windows.net",
        "evilblob.core.windows.net", "example.com"}) {
    EXPECT_FALSE(rules.allows_host(host)) << host;
  }
}

TEST(HostRules, AnExplicitListNarrowsAndCanKeepTheCloudStorageDefaults) {
  HostRules cdn_only({"cdn.example.com"}, false);
  EXPECT_TRUE(cdn_only.allows_host("cdn.example.com"));
  EXPECT_FALSE(cdn_only.allows_host("bucket.s3.amazonaws.com"));
  HostRules both(HostRules::parse_list("@cloud-storage, cdn.example.com"), false);
  EXPECT_TRUE(both.allows_host("cdn.example.com"));
  EXPECT_TRUE(both.allows_host("bucket.s3.amazonaws.com"));
}

TEST(HostPattern, StarsMatchWholeLabelsOrPartsOfOne) {
  EXPECT_TRUE(host_matches("a.b.example.com", "*.example.com"));
  EXPECT_FALSE(host_matches("example.com", "*.example.com"));
  EXPECT_TRUE(host_matches("s3.x.example.com", "s3.*.example.com"));
  EXPECT_FALSE(host_matches("s3.x.y.example.com", "s3.*.example.com"));
  EXPECT_TRUE(host_matches("s3-abc.example.com", "s3-*.example.com"));
  EXPECT_FALSE(host_matches("s3-.example.com", "s3-*.example.com"));
  EXPECT_FALSE(host_matches("x..example.com", "*.example.com"));
  EXPECT_FALSE(host_matches("", "*.example.com"));
  // A bare "*" entry would allow everything: it is dropped.
  EXPECT_FALSE(HostRules({"*", "*."}, false).allows_host("anything.com"));
}

Url url(const char* text) {
  return Url::parse(text).value();
}

TEST(HostRules, ATrustedOriginIsMatchedBySchemeHostAndPortNotByHostAlone) {
  HostRules rules({}, true, {TrustedOrigin{"http://127.0.0.1:8080", false}});
  EXPECT_FALSE(rules.check_hop(url("http://127.0.0.1:8080/api/x"), false));
  for (const char* other : {"http://127.0.0.1:6379/", "https://127.0.0.1:8080/",
                            "http://127.0.0.1/", "http://localhost:8080/"}) {
    auto refused = rules.check_hop(url(other), false);
    ASSERT_TRUE(refused) << other;
    EXPECT_EQ(refused->kind, TransportError::Kind::host_not_allowed) << other;
  }
}

TEST(HostRules, AnAnyAddressOriginIsExemptFromTheAddressRulesAndNothingElse) {
  HostRules rules({"127.0.0.1", "10.0.0.1"}, false, {TrustedOrigin{"http://127.0.0.1:8080", true}});
  EXPECT_FALSE(rules.check_hop(url("http://127.0.0.1:8080/_storage/x"), false));
  EXPECT_TRUE(rules.allows_private_for(url("http://127.0.0.1:8080/")));
  for (const char* other : {"http://127.0.0.1:8081/", "http://10.0.0.1:8080/"}) {
    auto refused = rules.check_hop(url(other), false);
    ASSERT_TRUE(refused) << other;
    EXPECT_EQ(refused->kind, TransportError::Kind::address_refused) << other;
    EXPECT_FALSE(rules.allows_private_for(url(other))) << other;
  }
}

TEST(HostRules, ARefusedLiteralNamesItsRangeAndTrustByNameDoesNotLiftIt) {
  HostRules rules({}, false);
  auto refused = rules.check_hop(url("http://198.51.100.7/x?sig=secret"), true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, TransportError::Kind::address_refused);
  EXPECT_NE(refused->message.find("Documentation (TEST-NET-2)"), std::string::npos)
      << refused->message;
  EXPECT_EQ(refused->message.find("secret"), std::string::npos);
  EXPECT_FALSE(rules.check_hop(url("http://8.8.8.8/x"), true));
}

}  // namespace
}  // namespace patchq::net
