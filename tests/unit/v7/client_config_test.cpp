#include "common/v7/client_config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace patchq::v7 {
namespace {

// Sets an environment variable for one test and restores the previous state.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ClientConfig, FlagsFillTheConfig) {
  ScopedEnv a("V7_API_KEY", nullptr), b("V7_KEY", nullptr);
  V7ClientConfig config;
  config::FlagSet flags("t", "test");
  add_v7_flags(flags, config);
  auto result =
      flags.parse({"--v7-api-url=http://127.0.0.1:9", "--v7-api-key=k", "--allow-private-hosts",
                   "--upload-mode=register", "--max-image-bytes=1MiB", "--v7-rate=60"});
  ASSERT_EQ(result.status, config::ParseStatus::ok) << result.message;
  EXPECT_EQ(config.api_url, "http://127.0.0.1:9");
  EXPECT_EQ(config.api_key, "k");
  EXPECT_TRUE(config.allow_private_hosts);
  EXPECT_EQ(upload_mode(config), UploadMode::register_sign_confirm);
  EXPECT_EQ(config.max_image_bytes, 1u << 20);
  EXPECT_EQ(config.rate_per_minute, 60);
  EXPECT_TRUE(validate(config));
}

TEST(ClientConfig, ImageFetchFlagsHaveSafeDefaultsAndFillTheConfig) {
  ScopedEnv a("V7_API_KEY", nullptr), b("V7_KEY", nullptr);
  V7ClientConfig defaults;
  EXPECT_FALSE(defaults.allow_private_v7_api);
  EXPECT_EQ(defaults.min_download_rate, 32u << 10);
  EXPECT_EQ(defaults.download_grace, std::chrono::seconds(10));
  V7ClientConfig config;
  config::FlagSet flags("t", "test");
  add_v7_flags(flags, config);
  auto result = flags.parse({"--v7-api-key=k", "--allow-private-v7-api",
                             "--min-download-rate=100KiB", "--download-grace=3s"});
  ASSERT_EQ(result.status, config::ParseStatus::ok) << result.message;
  EXPECT_TRUE(config.allow_private_v7_api);
  EXPECT_FALSE(config.allow_private_hosts);
  EXPECT_EQ(config.min_download_rate, 100u << 10);
  EXPECT_EQ(config.download_grace, std::chrono::seconds(3));
  EXPECT_TRUE(validate(config));
  config.download_grace = std::chrono::milliseconds(0);
  EXPECT_FALSE(validate(config));
  config.min_download_rate = 0;  // the floor off: no grace needed
  EXPECT_TRUE(validate(config));
}

TEST(ClientConfig, ReadsTheLegacyV7KeyWhenV7ApiKeyIsAbsent) {
  ScopedEnv a("V7_API_KEY", nullptr), b("V7_KEY", "legacy");
  V7ClientConfig config;
  config::FlagSet flags("t", "test");
  add_v7_flags(flags, config);
  ASSERT_EQ(flags.parse(std::vector<std::string>{}).status, config::ParseStatus::ok);
  EXPECT_EQ(config.api_key, "legacy");
}

TEST(ClientConfig, V7ApiKeyWinsOverTheLegacyName) {
  ScopedEnv a("V7_API_KEY", "current"), b("V7_KEY", "legacy");
  V7ClientConfig config;
  config::FlagSet flags("t", "test");
  add_v7_flags(flags, config);
  ASSERT_EQ(flags.parse(std::vector<std::string>{}).status, config::ParseStatus::ok);
  EXPECT_EQ(config.api_key, "current");
}

TEST(ClientConfig, HelpNeverShowsTheKey) {
  ScopedEnv a("V7_API_KEY", "topsecretkey"), b("V7_KEY", nullptr);
  V7ClientConfig config;
  config::FlagSet flags("t", "test");
  add_v7_flags(flags, config);
  flags.parse(std::vector<std::string>{});
  EXPECT_EQ(flags.usage().find("topsecretkey"), std::string::npos);
}

TEST(ClientConfig, ValidateNamesWhatIsWrong) {
  V7ClientConfig config;
  EXPECT_NE(validate(config).error().reason.find("V7_API_KEY"), std::string::npos);
  config.api_key = "k";
  config.upload_mode = "fast";
  EXPECT_NE(validate(config).error().reason.find("--upload-mode"), std::string::npos);
  config.upload_mode = "register";
  config.api_url = "ftp://x";
  EXPECT_NE(validate(config).error().reason.find("--v7-api-url"), std::string::npos);
}

}  // namespace
}  // namespace patchq::v7
