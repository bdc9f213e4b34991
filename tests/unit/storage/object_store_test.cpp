// ObjectStore::open: which store a URL gives, where its requests go (describe()) and the
// storage keys V7 is told, for every provider, without any network.
#include "common/storage/object_store.hpp"

#include <gtest/gtest.h>

namespace patchq::storage {
namespace {

StorageConfig aws(std::string url) {
  StorageConfig c;
  c.url = std::move(url);
  c.slug = "s";
  c.aws_access_key_id = "AKID";
  c.aws_secret_access_key = "SECRET";
  return c;
}

std::unique_ptr<ObjectStore> open_ok(const StorageConfig& config) {
  auto store = ObjectStore::open(config);
  EXPECT_TRUE(store.ok()) << store.error().reason;
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(ObjectStore, S3IsVirtualHostedOnAwsAndPathStyleForDottedBuckets) {
  auto store = open_ok(aws("s3://tiles/run1"));
  EXPECT_EQ(store->describe(),
            "s3://tiles/run1 at https://tiles.s3.us-east-1.amazonaws.com (region us-east-1)");
  EXPECT_EQ(store->storage_key("a.png"), "run1/a.png");

  auto c = aws("s3://my.tiles");
  c.aws_region = "eu-central-1";
  store = open_ok(c);
  EXPECT_EQ(store->describe(),
            "s3://my.tiles at https://s3.eu-central-1.amazonaws.com/my.tiles (region "
            "eu-central-1)");
  EXPECT_EQ(store->storage_key("a.png"), "a.png");
}

TEST(ObjectStore, GcsUsesItsXmlApiHostAndSignsForRegionAuto) {
  auto store = open_ok(aws("gs://tiles/p"));
  EXPECT_EQ(store->describe(),
            "gs://tiles/p at https://storage.googleapis.com/tiles (region auto)");
  EXPECT_EQ(store->storage_key("a.png"), "p/a.png");
}

TEST(ObjectStore, AzureKeysStartWithTheContainerAndDescribeShowsNoSas) {
  StorageConfig c;
  c.url = "https://acct.blob.core.windows.net/tiles/p/q?sv=2020-12-06&sr=c&sig=SECRETSIG";
  c.slug = "s";
  auto store = open_ok(c);
  EXPECT_EQ(store->storage_key("a.png"), "tiles/p/q/a.png");
  EXPECT_EQ(store->describe(),
            "https://acct.blob.core.windows.net/tiles/p/q at https://acct.blob.core.windows.net "
            "(SAS)");
}

TEST(ObjectStore, OpenRefusesWhatValidateRefuses) {
  StorageConfig off;
  EXPECT_FALSE(ObjectStore::open(off).ok());
  auto c = aws("s3://tiles");
  c.slug.clear();
  auto store = ObjectStore::open(c);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().reason, "--storage-slug is required with --storage-url");
}

}  // namespace
}  // namespace patchq::storage
