// The receiver's configuration: defaults, refusal to start without authentication, listen
// addresses, and secrets kept out of messages.
#include "services/receiver/receiver_config.hpp"

#include <gtest/gtest.h>

namespace patchq::receiver {
namespace {

TEST(ReceiverConfig, RefusesToStartWithoutAnyAuthentication) {
  const auto r = parse_receiver_config({});
  EXPECT_EQ(r.status, config::ParseStatus::error);
  EXPECT_NE(r.message.find("refusing to start without webhook authentication"), std::string::npos);
  EXPECT_NE(r.message.find("--insecure-no-auth"), std::string::npos);
}

TEST(ReceiverConfig, StartsWithATokenAndUsesTheDocumentedDefaults) {
  const auto r = parse_receiver_config({"--webhook-token", "t"});
  ASSERT_EQ(r.status, config::ParseStatus::ok) << r.message;
  EXPECT_EQ(r.config.host, "0.0.0.0");
  EXPECT_EQ(r.config.port, 8080);
  EXPECT_EQ(r.config.redis.port, 6379);
  EXPECT_EQ(r.config.prefix, "patchq:");
  EXPECT_EQ(r.config.max_body, 32u << 20);
  EXPECT_GE(r.config.threads, 1);
  ASSERT_TRUE(r.config.token.has_value());
  EXPECT_TRUE(r.config.token->accepts("Bearer t"));
}

TEST(ReceiverConfig, StartsWithoutATokenWhenExplicitlyInsecure) {
  const auto r = parse_receiver_config({"--insecure-no-auth"});
  ASSERT_EQ(r.status, config::ParseStatus::ok) << r.message;
  EXPECT_FALSE(r.config.token.has_value());
}

TEST(ReceiverConfig, ReadsTheTokenFromTheEnvironment) {
  ::setenv("PATCHQ_WEBHOOK_TOKEN", "from-env", 1);
  const auto r = parse_receiver_config({});
  ::unsetenv("PATCHQ_WEBHOOK_TOKEN");
  ASSERT_EQ(r.status, config::ParseStatus::ok) << r.message;
  EXPECT_TRUE(r.config.token->accepts("from-env"));
}

TEST(ReceiverConfig, HelpDocumentsEveryFlagWithoutPrintingSecrets) {
  const auto r = parse_receiver_config({"--webhook-token", "hunter2", "--help"});
  ASSERT_EQ(r.status, config::ParseStatus::help);
  for (const char* flag : {"--listen", "--threads", "--redis", "--prefix", "--webhook-token",
                           "--max-body", "--max-queue", "--insecure-no-auth"}) {
    EXPECT_NE(r.message.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(r.message.find("hunter2"), std::string::npos);
}

TEST(ReceiverConfig, ErrorsNeverEchoTheRedisPassword) {
  const auto r =
      parse_receiver_config({"--insecure-no-auth", "--redis", "redis://:hunter2@host:99999/0"});
  ASSERT_EQ(r.status, config::ParseStatus::error);
  EXPECT_EQ(r.message.find("hunter2"), std::string::npos) << r.message;
}

TEST(ReceiverConfig, RefusesAMalformedSigningSecret) {
  const auto r = parse_receiver_config({"--webhook-secret", "whsec_***"});
  EXPECT_EQ(r.status, config::ParseStatus::error);
}

}  // namespace
}  // namespace patchq::receiver
