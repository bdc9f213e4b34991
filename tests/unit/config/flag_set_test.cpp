#include "common/config/flag_set.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace patchq::config {
namespace {

using namespace std::chrono_literals;

TEST(ParseBytes, AcceptsBinaryUnits) {
  EXPECT_EQ(parse_bytes("4MiB").value(), 4u << 20);
  EXPECT_EQ(parse_bytes("512k").value(), 512u << 10);
  EXPECT_EQ(parse_bytes("1G").value(), 1ULL << 30);
  EXPECT_EQ(parse_bytes("100").value(), 100u);
}

TEST(ParseBytes, RejectsUnknownUnitsWithReason) {
  const auto unknown = parse_bytes("4XB");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().reason.find("unknown size unit 'XB'"), std::string::npos)
      << unknown.error().reason;
  EXPECT_FALSE(parse_bytes(""));
}

TEST(ParseDuration, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("30s").value(), 30000ms);
  EXPECT_EQ(parse_duration("500ms").value(), 500ms);
  EXPECT_EQ(parse_duration("10m").value(), 600000ms);
  EXPECT_EQ(parse_duration("1.5").value(), 1500ms);
  EXPECT_FALSE(parse_duration("soon"));
}

TEST(FlagSet, CommandLineOverridesEnvironmentOverridesDefault) {
  std::string listen = "0.0.0.0:8080";
  std::int64_t threads = 2;
  ::setenv("PATCHQ_TEST_LISTEN", "127.0.0.1:9", 1);
  ::setenv("PATCHQ_TEST_THREADS", "3", 1);
  FlagSet flags("prog", "summary");
  flags.add_string("listen", &listen, "PATCHQ_TEST_LISTEN", "where");
  flags.add_int("threads", &threads, "PATCHQ_TEST_THREADS", "how many", 1, 64);
  auto result = flags.parse({"--threads=5"});
  ::unsetenv("PATCHQ_TEST_LISTEN");
  ::unsetenv("PATCHQ_TEST_THREADS");
  ASSERT_EQ(result.status, ParseStatus::ok) << result.message;
  EXPECT_EQ(listen, "127.0.0.1:9");
  EXPECT_EQ(threads, 5);
}

TEST(FlagSet, ReportsUnknownFlagsAndBadValues) {
  std::int64_t n = 1;
  FlagSet flags("prog", "summary");
  flags.add_int("n", &n, "", "count", 1, 10);
  auto unknown = flags.parse({"--nope"});
  EXPECT_EQ(unknown.status, ParseStatus::error);
  EXPECT_NE(unknown.message.find("unknown flag --nope"), std::string::npos);
  auto out_of_range = flags.parse({"--n", "11"});
  EXPECT_EQ(out_of_range.status, ParseStatus::error);
  EXPECT_NE(out_of_range.message.find("must be between 1 and 10"), std::string::npos);
  auto missing = flags.parse({"--n"});
  EXPECT_NE(missing.message.find("--n needs a value"), std::string::npos);
}

TEST(FlagSet, AChoiceFlagTakesOnlyItsChoicesFromArgsAndEnvironment) {
  std::string level = "info";
  FlagSet flags("prog", "summary");
  flags.add_choice("level", &level, "PATCHQ_TEST_LEVEL", "how loud", {"debug", "info", "warn"});
  ASSERT_EQ(flags.parse({"--level", "warn"}).status, ParseStatus::ok);
  EXPECT_EQ(level, "warn");
  const auto bad = flags.parse({"--level=loud"});
  EXPECT_EQ(bad.status, ParseStatus::error);
  EXPECT_NE(bad.message.find("--level: expected one of debug, info, warn, got 'loud'"),
            std::string::npos)
      << bad.message;
  ::setenv("PATCHQ_TEST_LEVEL", "verbose", 1);
  const auto from_env = flags.parse(std::vector<std::string>{});
  ::unsetenv("PATCHQ_TEST_LEVEL");
  EXPECT_EQ(from_env.status, ParseStatus::error);
  EXPECT_NE(from_env.message.find("PATCHQ_TEST_LEVEL"), std::string::npos) << from_env.message;
}

TEST(FlagSet, BoolFlagsTakeNoValueAndCanBeNegated) {
  bool verbose = false;
  bool color = true;
  FlagSet flags("prog", "summary");
  flags.add_bool("verbose", &verbose, "", "talk");
  flags.add_bool("color", &color, "", "paint");
  auto result = flags.parse({"--verbose", "--no-color", "file.json"});
  ASSERT_EQ(result.status, ParseStatus::ok);
  EXPECT_TRUE(verbose);
  EXPECT_FALSE(color);
  ASSERT_EQ(result.positional.size(), 1u);
  EXPECT_EQ(result.positional[0], "file.json");
}

TEST(FlagSet, HelpListsFlagsDefaultsAndEnvButNeverSecrets) {
  std::string token = "s3cr3t-value";
  std::uint64_t body = 4 << 20;
  FlagSet flags("patchq-x", "Does x.");
  flags.add_string("webhook-token", &token, "PATCHQ_WEBHOOK_TOKEN", "shared token", true);
  flags.add_bytes("max-body", &body, "", "largest body");
  auto result = flags.parse({"--help"});
  EXPECT_EQ(result.status, ParseStatus::help);
  EXPECT_NE(result.message.find("--max-body VALUE"), std::string::npos);
  EXPECT_NE(result.message.find("(default: 4MiB)"), std::string::npos);
  EXPECT_NE(result.message.find("[env PATCHQ_WEBHOOK_TOKEN]"), std::string::npos);
  EXPECT_EQ(result.message.find("s3cr3t"), std::string::npos);
}

TEST(FlagSet, RegisteringOneNameTwiceIsAProgrammingError) {
  std::int64_t a = 1, b = 2;
  FlagSet flags("prog", "summary");
  flags.add_int("upload-concurrency", &a, "", "one");
  EXPECT_THROW(flags.add_int("upload-concurrency", &b, "", "two"), std::logic_error);
}

}  // namespace
}  // namespace patchq::config
