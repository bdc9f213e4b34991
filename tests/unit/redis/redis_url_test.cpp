#include "common/redis/redis_url.hpp"

#include <gtest/gtest.h>

namespace patchq::redis {
namespace {

TEST(RedisUrl, ParsesHostPortAndDatabase) {
  auto ep = parse_redis_url("redis://10.1.2.3:6380/2");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "10.1.2.3");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 2);
}

TEST(RedisUrl, DefaultsPortAndDatabase) {
  auto ep = parse_redis_url("redis://redis");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
}

TEST(RedisUrl, KeepsThePasswordButNeverDescribesIt) {
  auto ep = parse_redis_url("redis://app:hunter2@cache:6379/0");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->username, "app");
  EXPECT_EQ(ep->password, "hunter2");
  EXPECT_EQ(ep->describe().find("hunter2"), std::string::npos);
  EXPECT_EQ(ep->describe(), "redis://app:***@cache:6379/0");
}

TEST(RedisUrl, RejectsOtherSchemesAndBadPortsWithAReason) {
  const auto http = parse_redis_url("http://x");
  ASSERT_FALSE(http);
  EXPECT_NE(http.error().reason.find("redis://"), std::string::npos);
  const auto bad_port = parse_redis_url("redis://x:99999");
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().reason.find("port must be 1..65535"), std::string::npos);
}

TEST(RedisUrl, SetupCommandsAuthenticateAndSelectOnlyWhenNeeded) {
  EXPECT_TRUE(connection_setup_commands(*parse_redis_url("redis://h:1/0")).empty());
  const auto setup = connection_setup_commands(*parse_redis_url("redis://u:pw@h:1/3"));
  ASSERT_EQ(setup.size(), 2u);
  EXPECT_EQ(setup[0], (std::vector<std::string>{"AUTH", "u", "pw"}));
  EXPECT_EQ(setup[1], (std::vector<std::string>{"SELECT", "3"}));
  EXPECT_EQ(connection_setup_commands(*parse_redis_url("redis://:pw@h"))[0],
            (std::vector<std::string>{"AUTH", "pw"}));
}

}  // namespace
}  // namespace patchq::redis
