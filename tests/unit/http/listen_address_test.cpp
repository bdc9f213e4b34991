#include "common/http/listen_address.hpp"

#include <gtest/gtest.h>

namespace patchq::http {
namespace {

TEST(ListenAddress, ParsesHostAndPort) {
  auto a = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
}

TEST(ListenAddress, ParsesBracketedIpv6AndAnEmptyHost) {
  auto v6 = parse_listen_address("[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  auto any = parse_listen_address(":0");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 0);
}

TEST(ListenAddress, RefusesMissingOrBadPortsWithAReason) {
  const auto no_port = parse_listen_address("localhost");
  ASSERT_FALSE(no_port);
  EXPECT_NE(no_port.error().reason.find("expected host:port"), std::string::npos)
      << no_port.error().reason;
  const auto too_big = parse_listen_address("127.0.0.1:70000");
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().reason.find("port must be 0..65535, got '70000'"), std::string::npos)
      << too_big.error().reason;
  EXPECT_FALSE(parse_listen_address("127.0.0.1:"));
  EXPECT_FALSE(parse_listen_address("[::1]9000"));
}

}  // namespace
}  // namespace patchq::http
