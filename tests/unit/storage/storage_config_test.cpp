// StorageConfig: flags and environment fallbacks (credentials included), secrets hidden in
// usage, and validate()'s messages for what cannot work.
#include "common/storage/storage_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace patchq::storage {
namespace {

constexpr const char* kEnvNames[] = {"PATCHQ_STORAGE_URL",          "PATCHQ_STORAGE_ENDPOINT",
                                     "PATCHQ_STORAGE_SLUG",         "PATCHQ_STORAGE_READONLY",
                                     "AWS_ACCESS_KEY_ID",           "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN",           "AWS_REGION",
                                     "AZURE_STORAGE_ACCOUNT",       "AZURE_STORAGE_KEY",
                                     "PATCHQ_ALLOW_PRIVATE_STORAGE"};

class StorageConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kEnvNames) ::unsetenv(name);
  }
  void TearDown() override { SetUp(); }

  config::ParseResult parse(StorageConfig& config, std::vector<std::string> args = {}) {
    config::FlagSet flags("test", "storage flags");
    add_storage_flags(flags, config);
    return flags.parse(args);
  }
};

StorageConfig s3_config() {
  StorageConfig c;
  c.url = "s3://bucket/p";
  c.slug = "store";
  c.aws_access_key_id = "AKID";
  c.aws_secret_access_key = "secret";
  return c;
}

TEST_F(StorageConfigTest, ReadsEverythingFromTheEnvironment) {
  ::setenv("PATCHQ_STORAGE_URL", "s3://bucket/p", 1);
  ::setenv("PATCHQ_STORAGE_ENDPOINT", "http://127.0.0.1:9000", 1);
  ::setenv("PATCHQ_STORAGE_SLUG", "customer-s3", 1);
  ::setenv("PATCHQ_STORAGE_READONLY", "true", 1);
  ::setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
  ::setenv("AWS_SESSION_TOKEN", "TOKEN", 1);
  ::setenv("AWS_REGION", "eu-west-1", 1);
  StorageConfig c;
  ASSERT_EQ(parse(c).status, config::ParseStatus::ok);
  EXPECT_EQ(c.url, "s3://bucket/p");
  EXPECT_EQ(c.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c.slug, "customer-s3");
  EXPECT_TRUE(c.readonly);
  EXPECT_EQ(c.aws_access_key_id, "AKID");
  EXPECT_EQ(c.aws_secret_access_key, "SECRET");
  EXPECT_EQ(c.aws_session_token, "TOKEN");
  EXPECT_EQ(signing_region(c, Provider::s3), "eu-west-1");
  EXPECT_TRUE(validate(c).ok());
}

TEST_F(StorageConfigTest, FlagsWinOverTheEnvironment) {
  ::setenv("PATCHQ_STORAGE_SLUG", "from-env", 1);
  StorageConfig c;
  ASSERT_EQ(parse(c, {"--storage-slug", "from-flag", "--storage-url", "gs://b-1/x"}).status,
            config::ParseStatus::ok);
  EXPECT_EQ(c.slug, "from-flag");
  EXPECT_EQ(c.url, "gs://b-1/x");
}

TEST_F(StorageConfigTest, UsageNeverShowsTheSasOrTheKeys) {
  StorageConfig c;
  c.url = "https://a.blob.core.windows.net/c?sv=1&sig=SECRETSIG";
  c.azure_key = "S0VZ";
  c.aws_secret_access_key = "AWSSECRET";
  config::FlagSet flags("test", "storage flags");
  add_storage_flags(flags, c);
  const std::string usage = flags.usage();
  EXPECT_EQ(usage.find("SECRETSIG"), std::string::npos);
  EXPECT_EQ(usage.find("S0VZ"), std::string::npos);
  EXPECT_EQ(usage.find("AWSSECRET"), std::string::npos);
  EXPECT_NE(usage.find("--storage-url"), std::string::npos);
}

TEST_F(StorageConfigTest, AnEmptyUrlIsStorageModeOff) {
  StorageConfig c;
  EXPECT_FALSE(c.enabled());
  EXPECT_TRUE(validate(c).ok());
}

TEST_F(StorageConfigTest, DefaultRegions) {
  StorageConfig c;
  EXPECT_EQ(signing_region(c, Provider::s3), "us-east-1");
  EXPECT_EQ(signing_region(c, Provider::gcs), "auto");
}

std::string problem(const StorageConfig& c) {
  auto status = validate(c);
  return status.ok() ? "" : status.error().reason;
}

TEST_F(StorageConfigTest, ValidateSaysWhatIsMissing) {
  auto c = s3_config();
  EXPECT_EQ(problem(c), "");

  c.slug.clear();
  EXPECT_EQ(problem(c), "--storage-slug is required with --storage-url");

  c = s3_config();
  c.aws_secret_access_key.clear();
  EXPECT_EQ(problem(c), "S3 storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");

  c = s3_config();
  c.url = "gs://bucket";
  c.aws_access_key_id.clear();
  EXPECT_EQ(problem(c),
            "GCS storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a GCS HMAC key)");

  c = s3_config();
  c.url = "s3://";
  EXPECT_EQ(problem(c), "--storage-url s3://: no bucket");

  c = s3_config();
  c.endpoint = "localhost:9000";
  EXPECT_NE(problem(c).find("--storage-endpoint localhost:9000: "), std::string::npos);
}

TEST_F(StorageConfigTest, APrivateStorageServerIsTrustedByItsOriginAlone) {
  StorageConfig c = s3_config();
  c.endpoint = "http://minio.storage.svc:9000/";
  EXPECT_EQ(private_storage_origin(c), "");  // the option is off
  ::setenv("PATCHQ_ALLOW_PRIVATE_STORAGE", "true", 1);
  ASSERT_EQ(parse(c).status, config::ParseStatus::ok);
  EXPECT_TRUE(c.allow_private);
  EXPECT_EQ(private_storage_origin(c), "http://minio.storage.svc:9000");
  EXPECT_TRUE(validate(c).ok());

  StorageConfig azure;
  azure.url = "https://acct.blob.core.windows.net/tiles/p?sv=x&sig=y";
  azure.slug = "store";
  azure.allow_private = true;
  EXPECT_EQ(private_storage_origin(azure), "https://acct.blob.core.windows.net:443");

  // AWS S3 itself has no private address to allow: the option needs the server's URL.
  StorageConfig aws = s3_config();
  aws.allow_private = true;
  EXPECT_EQ(private_storage_origin(aws), "");
  const auto refused = validate(aws);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().reason.find("--storage-endpoint"), std::string::npos);
  StorageConfig off;
  off.allow_private = true;
  EXPECT_EQ(private_storage_origin(off), "");  // storage mode off
}

TEST_F(StorageConfigTest, AzureNeedsASasOrAnAccountKey) {
  StorageConfig c;
  c.url = "https://acct.blob.core.windows.net/tiles";
  c.slug = "az";
  EXPECT_EQ(problem(c),
            "Azure storage needs a SAS in --storage-url (...?sv=...&sig=...) or "
            "AZURE_STORAGE_KEY (the account key, for Shared Key)");

  c.azure_key = "not base64!";
  EXPECT_EQ(problem(c),
            "AZURE_STORAGE_KEY is not base64 (copy the account key as the portal shows it)");

  c.azure_key = "S0VZS0VZ";
  EXPECT_EQ(problem(c), "");
  c.azure_account = "other";
  EXPECT_EQ(problem(c),
            "AZURE_STORAGE_ACCOUNT other does not match the account in --storage-url (acct)");

  StorageConfig sas;
  sas.url = "https://acct.blob.core.windows.net/tiles?sv=2020-12-06&sig=x";
  sas.slug = "az";
  EXPECT_EQ(problem(sas), "");
}

}  // namespace
}  // namespace patchq::storage
