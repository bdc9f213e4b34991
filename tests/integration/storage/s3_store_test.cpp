// S3Store against s3rver, a real S3 server that checks access key ids (not SigV4 signatures:
// tests/unit/storage/sigv4_signature_test.cpp recomputes those independently): keys with odd
// characters land under their literal names, and failures come back classified with a reason
// that says what to fix.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/storage/object_store.hpp"
#include "tests/integration/storage/store_test_support.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/storage_emulators.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kBucket = "patchq-tiles";

class S3StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new S3rverServer(kBucket); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static storage::StorageConfig config(std::string url = std::string("s3://") + kBucket +
                                                         "/jobs/run1") {
    storage::StorageConfig c;
    c.url = std::move(url);
    c.endpoint = server_->endpoint();
    c.slug = "customer-s3";
    c.aws_access_key_id = S3rverServer::kAccessKeyId;
    c.aws_secret_access_key = S3rverServer::kSecretAccessKey;
    return c;
  }

  static S3rverServer* server_;
};
S3rverServer* S3StoreTest::server_ = nullptr;

TEST_F(S3StoreTest, PutThenGetReturnsTheSameBytes) {
  auto store = open_store(config());
  const std::string key = store->storage_key("tile_r0c0.png");
  EXPECT_EQ(key, "jobs/run1/tile_r0c0.png");
  const std::string bytes = binary_bytes(70000);

  expect_round_trip(*store, key, bytes);
}

// A ranged GET: the first bytes and the whole size, whatever the object's length. Not the
// empty object: S3 answers its ranged GET 416, but s3rver announces one byte it never sends.
TEST_F(S3StoreTest, AHeadReadGivesTheFirstBytesAndTheWholeSize) {
  expect_head_reads(*open_store(config()), "head/", /*check_empty=*/false);
}

// Over 1 MiB libcurl adds "Expect: 100-continue" after signing: the server must still accept.
TEST_F(S3StoreTest, AnObjectOverOneMebibyteRoundTrips) {
  auto store = open_store(config());
  const std::string key = store->storage_key("large.tif");
  const std::string bytes = binary_bytes(2'500'000);
  expect_round_trip(*store, key, bytes);
}

TEST_F(S3StoreTest, AKeyWithSpacesPlusAndUnicodeIsStoredUnderItsLiteralName) {
  auto store = open_store(config());
  const std::string key = store->storage_key(kOddObjectName);
  expect_round_trip(*store, key, "odd");
  EXPECT_TRUE(
      std::filesystem::exists(server_->data_dir() / kBucket /
                              (std::string("jobs/run1/") + kOddObjectName + "._S3rver_object")))
      << "the server stored the object under another name";
}

TEST_F(S3StoreTest, CheckPassesForAConfiguredBucketAndWritesItsProbe) {
  auto store = open_store(config());
  auto check = store->check(loopback_http());
  ASSERT_TRUE(check.ok()) << check.error().reason;
  EXPECT_TRUE(store->get(loopback_http(), store->storage_key(".patchq-check"), 16).ok());
  EXPECT_EQ(store->describe(),
            "s3://patchq-tiles/jobs/run1 at " + server_->endpoint() + " (region us-east-1)");
}

TEST_F(S3StoreTest, AnUnknownAccessKeyIdIsPermanentAndNamesTheCredential) {
  auto c = config();
  c.aws_access_key_id = "NOT-A-KEY";
  auto store = open_store(c);
  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_NE(put.error().reason.find("InvalidAccessKeyId"), std::string::npos) << put.error().reason;
  EXPECT_NE(put.error().reason.find("check AWS_ACCESS_KEY_ID"), std::string::npos)
      << put.error().reason;
}

TEST_F(S3StoreTest, AMissingBucketIsPermanent) {
  auto store = open_store(config("s3://no-such-bucket/p"));
  auto check = store->check(loopback_http());
  ASSERT_FALSE(check.ok());
  EXPECT_FALSE(check.error().retryable());
  EXPECT_EQ(check.error().http_status, 404);
  EXPECT_NE(check.error().reason.find("NoSuchBucket — check the bucket in --storage-url"),
            std::string::npos)
      << check.error().reason;
}

TEST_F(S3StoreTest, AMissingObjectIsPermanent) {
  auto store = open_store(config());
  auto got = store->get(loopback_http(), store->storage_key("never-written.png"), 1024);
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(got.error().retryable());
  EXPECT_EQ(got.error().http_status, 404);
}

TEST_F(S3StoreTest, AnObjectLargerThanTheCapIsPermanent) {
  auto store = open_store(config());
  const std::string key = store->storage_key("big.bin");
  ASSERT_TRUE(
      store->put(loopback_http(), key, binary_bytes(4096), "application/octet-stream").ok());
  auto got = store->get(loopback_http(), key, 1000);
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(got.error().retryable());
}

TEST_F(S3StoreTest, AServerThatIsDownIsRetryable) {
  auto c = config();
  c.endpoint = "http://127.0.0.1:" + std::to_string(free_port());  // nothing listens there
  auto store = open_store(c);
  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.error().retryable()) << put.error().reason;
  EXPECT_EQ(put.error().http_status, 0);
}

}  // namespace
}  // namespace patchq::testing
