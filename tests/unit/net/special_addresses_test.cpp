// The special-purpose address tables: one case per IANA range (an address inside it and, where
// the range has an edge, the first address past it), the embedded-IPv4 prefixes judged by what
// they carry, and a check that every table entry has a case here.
#include "common/net/special_addresses.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace patchq::net {
namespace {

struct RangeCase {
  const char* range;    // the table entry's prefix, as written in the registry
  const char* inside;   // an address in it
  bool refused;         // expected verdict for `inside`
  const char* outside;  // an address just past the range's edge ("" when it has none to test)
};

void PrintTo(const RangeCase& c, std::ostream* os) {
  *os << c.range;
}

// Every IANA entry, IPv4 then IPv6, in table order.
const RangeCase kCases[] = {
    {"0.0.0.0/8", "0.1.2.3", true, "1.0.0.0"},
    {"10.0.0.0/8", "10.255.255.255", true, "11.0.0.0"},
    {"100.64.0.0/10", "100.127.255.255", true, "100.128.0.0"},
    {"127.0.0.0/8", "127.0.0.1", true, "128.0.0.0"},
    {"169.254.0.0/16", "169.254.169.254", true, "169.255.0.0"},
    {"172.16.0.0/12", "172.31.255.255", true, "172.32.0.0"},
    {"192.0.0.0/24", "192.0.0.200", true, "192.0.1.0"},
    {"192.0.0.0/29", "192.0.0.7", true, ""},
    {"192.0.0.8/32", "192.0.0.8", true, ""},
    {"192.0.0.9/32", "192.0.0.9", false, ""},
    {"192.0.0.10/32", "192.0.0.10", false, ""},
    {"192.0.0.170/32", "192.0.0.170", true, ""},
    {"192.0.0.171/32", "192.0.0.171", true, ""},
    {"192.0.2.0/24", "192.0.2.1", true, "192.0.3.0"},
    {"192.31.196.0/24", "192.31.196.1", false, ""},
    {"192.52.193.0/24", "192.52.193.1", false, ""},
    {"192.88.99.0/24", "192.88.99.1", true, "192.88.100.0"},
    {"192.168.0.0/16", "192.168.1.1", true, "192.169.0.0"},
    {"192.175.48.0/24", "192.175.48.1", false, ""},
    {"198.18.0.0/15", "198.19.255.255", true, "198.20.0.0"},
    {"198.51.100.0/24", "198.51.100.7", true, "198.51.101.0"},
    {"203.0.113.0/24", "203.0.113.9", true, "203.0.114.0"},
    {"224.0.0.0/4", "239.255.255.250", true, "223.255.255.255"},
    {"240.0.0.0/4", "250.1.2.3", true, ""},
    {"255.255.255.255/32", "255.255.255.255", true, ""},
    {"::/0", "1::1", true, "2000::1"},
    {"2000::/3", "2606:4700::1111", false, "4000::1"},
    {"::/128", "::", true, ""},
    {"::1/128", "::1", true, ""},
    {"::ffff:0.0.0.0/96", "::ffff:10.0.0.1", true, "::ffff:8.8.8.8"},
    {"64:ff9b::/96", "64:ff9b::127.0.0.1", true, "64:ff9b::8.8.8.8"},
    {"64:ff9b:1::/48", "64:ff9b:1::8.8.8.8", true, ""},
    {"100::/64", "100::1", true, ""},
    {"100:0:0:1::/64", "100:0:0:1::1", true, ""},
    {"2001::/23", "2001:100::1", true, "2001:200::1"},
    // Teredo: server 192.0.2.1 (refused) in bits 32-63.
    {"2001::/32", "2001:0:c000:201::1", true, "2001:0:808:808:0:0:f7f7:f7f7"},
    {"2001:1::1/128", "2001:1::1", false, ""},
    {"2001:1::2/128", "2001:1::2", false, ""},
    {"2001:1::3/128", "2001:1::3", false, ""},
    {"2001:2::/48", "2001:2::1", true, ""},
    {"2001:3::/32", "2001:3::1", false, ""},
    {"2001:4:112::/48", "2001:4:112::1", false, ""},
    {"2001:10::/28", "2001:10::1", true, ""},
    {"2001:20::/28", "2001:20::1", false, ""},
    {"2001:30::/28", "2001:30::1", false, ""},
    {"2001:db8::/32", "2001:db8::1", true, "2001:db9::1"},
    // 6to4: 2002:c0a8:0101:: carries 192.168.1.1; 2002:0808:0808:: carries 8.8.8.8.
    {"2002::/16", "2002:c0a8:101::1", true, "2002:808:808::1"},
    {"2620:4f:8000::/48", "2620:4f:8000::1", false, ""},
    {"3fff::/20", "3fff:fff::1", true, "3fff:1000::1"},
    {"5f00::/16", "5f00::1", true, ""},
    {"fc00::/7", "fd12:3456::1", true, ""},
    {"fe80::/10", "fe80::1", true, ""},
    {"fec0::/10", "fec0::1", true, ""},
    {"ff00::/8", "ff02::1", true, ""},
};

class SpecialRangeCase : public ::testing::TestWithParam<RangeCase> {};

TEST_P(SpecialRangeCase, JudgesAnAddressInsideAndTheFirstOnePast) {
  const RangeCase& c = GetParam();
  const auto inside = judge_ip_literal(c.inside);
  EXPECT_EQ(inside.refused, c.refused) << c.inside << " in " << c.range << ": " << describe(inside);
  if (c.refused) {
    EXPECT_FALSE(inside.range.empty()) << "a refusal names its range";
  }
  if (*c.outside != '\0') {
    const auto outside = judge_ip_literal(c.outside);
    EXPECT_NE(outside.refused, c.refused) << c.outside << " is past " << c.range;
  }
}

std::string case_name(const ::testing::TestParamInfo<RangeCase>& info) {
  std::string name;
  for (const char* p = info.param.range; *p != '\0'; ++p) {
    name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Iana, SpecialRangeCase, ::testing::ValuesIn(kCases), case_name);

std::string prefix_text(const SpecialRange& r, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, r.bytes, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(r.bits);
}

TEST(SpecialRanges, EveryTableEntryHasACaseAndItsPrefixGetsItsVerdict) {
  std::set<std::string> covered;
  for (const auto& c : kCases) covered.insert(c.range);
  for (const bool v6 : {false, true}) {
    for (const auto& r : v6 ? ipv6_special_ranges() : ipv4_special_ranges()) {
      const std::string text = prefix_text(r, v6);
      EXPECT_TRUE(covered.count(text)) << text << " has no case in kCases";
      if (r.verdict == RangeVerdict::embedded_ipv4) continue;
      EXPECT_EQ(judge_ip_literal(text.substr(0, text.find('/'))).refused,
                r.verdict == RangeVerdict::refused)
          << text;
    }
  }
}

TEST(SpecialRanges, TeredoIsRefusedWhenItsObfuscatedClientAddressIsPrivate) {
  // Server 8.8.8.8 (public), client 127.0.0.1 stored inverted: 0x80ff:fffe.
  EXPECT_TRUE(judge_ip_literal("2001:0:808:808::80ff:fffe").refused);
  EXPECT_FALSE(judge_ip_literal("2001:0:808:808::f7f7:f7f7").refused);  // client 8.8.8.8
}

TEST(SpecialRanges, NamesTheCarryingPrefixOfAnEmbeddedAddress) {
  const auto j = judge_ip_literal("2002:7f00:1::1");
  ASSERT_TRUE(j.refused);
  EXPECT_EQ(describe(j), "Loopback carried in 6to4");
}

TEST(SpecialRanges, NamesAndMalformedTextAreLeftToTheConnectTimeCheck) {
  EXPECT_FALSE(judge_ip_literal("localhost").refused);
  EXPECT_FALSE(judge_ip_literal("10.0.0.256").refused);
  EXPECT_FALSE(judge_ip_literal("").refused);
}

}  // namespace
}  // namespace patchq::net
