// parse_storage_url: the three URL forms, and refusals that name what is wrong without ever
// showing a SAS.
#include "common/storage/storage_url.hpp"

#include <gtest/gtest.h>

namespace patchq::storage {
namespace {

TEST(StorageUrl, S3WithAPrefix) {
  auto location = parse_storage_url("s3://my-bucket/tiles/run1/");
  ASSERT_TRUE(location.ok()) << location.error().reason;
  EXPECT_EQ(location->provider, Provider::s3);
  EXPECT_EQ(location->bucket, "my-bucket");
  EXPECT_EQ(location->prefix, "tiles/run1");
  EXPECT_EQ(location_text(*location), "s3://my-bucket/tiles/run1");
}

TEST(StorageUrl, GcsWithoutAPrefix) {
  auto location = parse_storage_url("gs://my_bucket.example");
  ASSERT_TRUE(location.ok()) << location.error().reason;
  EXPECT_EQ(location->provider, Provider::gcs);
  EXPECT_EQ(location->bucket, "my_bucket.example");
  EXPECT_EQ(location->prefix, "");
}

TEST(StorageUrl, AzureWithASasKeepsTheSasOutOfItsText) {
  auto location = parse_storage_url(
      "https://myaccount.blob.core.windows.net/tiles/a/b?sv=2020-12-06&sr=c&sp=racwl&sig=abc%3D");
  ASSERT_TRUE(location.ok()) << location.error().reason;
  EXPECT_EQ(location->provider, Provider::azure);
  EXPECT_EQ(location->account, "myaccount");
  EXPECT_EQ(location->service_host, "myaccount.blob.core.windows.net");
  EXPECT_EQ(location->bucket, "tiles");
  EXPECT_EQ(location->prefix, "a/b");
  EXPECT_EQ(location->sas_query, "sv=2020-12-06&sr=c&sp=racwl&sig=abc%3D");
  EXPECT_EQ(location_text(*location), "https://myaccount.blob.core.windows.net/tiles/a/b");
}

TEST(StorageUrl, AzureWithoutASasIsSharedKey) {
  auto location = parse_storage_url("https://acct1.blob.core.chinacloudapi.cn/c-1");
  ASSERT_TRUE(location.ok()) << location.error().reason;
  EXPECT_EQ(location->sas_query, "");
  EXPECT_EQ(location->bucket, "c-1");
}

struct Refusal {
  const char* url;
  const char* reason;
};

void PrintTo(const Refusal& refusal, std::ostream* out) {
  *out << refusal.url;
}

class StorageUrlRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(StorageUrlRefusal, SaysWhatIsWrong) {
  auto location = parse_storage_url(GetParam().url);
  ASSERT_FALSE(location.ok());
  EXPECT_EQ(location.error().reason, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Urls, StorageUrlRefusal,
    ::testing::Values(
        Refusal{"s3://", "--storage-url s3://: no bucket"},
        Refusal{"s3:///prefix", "--storage-url s3:///prefix: no bucket"},
        Refusal{"s3://My_Bucket/p",
                "--storage-url s3://My_Bucket/p: bucket \"My_Bucket\" is not a valid bucket name "
                "(3-63 lower-case letters, digits, '-', '.')"},
        Refusal{"s3://bucket/a//b",
                "--storage-url s3://bucket/a//b: the prefix \"a//b\" has an "
                "empty path segment"},
        Refusal{"s3://bucket/p?x=1",
                "--storage-url s3://bucket/p?<redacted>: a query string is not allowed here"},
        Refusal{"ftp://bucket/p",
                "--storage-url ftp://bucket/p: expected s3://bucket/prefix, gs://bucket/prefix or "
                "https://<account>.blob.core.windows.net/<container>/<prefix>"},
        Refusal{"https://example.com/c/p",
                "--storage-url https://example.com/c/p: the host must be "
                "<account>.blob.<cloud suffix>, e.g. myaccount.blob.core.windows.net"},
        Refusal{"https://acct.blob.core.windows.net:x/c",
                "--storage-url https://acct.blob.core.windows.net:x/c: "
                "\"acct.blob.core.windows.net:x\" is not a host name"},
        Refusal{"https://acct.blob.core.windows.net/",
                "--storage-url https://acct.blob.core.windows.net/: no container"},
        Refusal{"https://acct.blob.core.windows.net/Tiles",
                "--storage-url https://acct.blob.core.windows.net/Tiles: container \"Tiles\" is "
                "not a valid container name (3-63 lower-case letters, digits, single '-')"},
        Refusal{"https://acct.blob.core.windows.net/tiles?sv=1&sp=r",
                "--storage-url https://acct.blob.core.windows.net/tiles?<redacted>: the query "
                "string is not a SAS (it has no sig=)"}));

TEST(StorageUrl, ARefusedAzureUrlNeverShowsItsSas) {
  auto location =
      parse_storage_url("https://acct.blob.core.windows.net/BAD?sv=2020-12-06&sig=SECRETSIG");
  ASSERT_FALSE(location.ok());
  EXPECT_EQ(location.error().reason.find("SECRETSIG"), std::string::npos);
  EXPECT_EQ(location.error().reason.find("sv="), std::string::npos);
}

}  // namespace
}  // namespace patchq::storage
