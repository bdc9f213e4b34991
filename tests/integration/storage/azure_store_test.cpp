// AzureStore against azurite's blob service, which verifies Shared Key and SAS signatures:
// round trips with both kinds of authorization, keys with odd characters, refusals classified
// with reasons that say what to fix, and no SAS or key in any text a store returns.
#include <gtest/gtest.h>

#include "common/storage/object_store.hpp"
#include "tests/integration/storage/azure_test_sas.hpp"
#include "tests/integration/storage/store_test_support.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/storage_emulators.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kContainer = "tiles";
constexpr const char* kUrl = "https://devstoreaccount1.blob.core.windows.net/tiles/jobs/run1";

class AzureStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new AzuriteServer();
    ASSERT_TRUE(create_container(loopback_http(), server_->blob_endpoint(), AzuriteServer::kAccount,
                                 AzuriteServer::kAccountKey, kContainer))
        << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static storage::StorageConfig shared_key_config(std::string url = kUrl) {
    storage::StorageConfig c;
    c.url = std::move(url);
    c.endpoint = server_->blob_endpoint();
    c.slug = "customer-azure";
    c.azure_account = AzuriteServer::kAccount;
    c.azure_key = AzuriteServer::kAccountKey;
    return c;
  }
  static storage::StorageConfig sas_config(const std::string& sas) {
    storage::StorageConfig c;
    c.url = std::string(kUrl) + "?" + sas;
    c.endpoint = server_->blob_endpoint();
    c.slug = "customer-azure";
    return c;
  }
  static std::string sas(const std::string& permissions = "racwl") {
    return container_sas(AzuriteServer::kAccount, AzuriteServer::kAccountKey, kContainer,
                         permissions);
  }

  static AzuriteServer* server_;
};
AzuriteServer* AzureStoreTest::server_ = nullptr;

// The signature part of a SAS, as it appears (URL-encoded) in the query.
std::string sig_value(const std::string& sas) {
  return sas.substr(sas.find("sig=") + 4);
}

TEST_F(AzureStoreTest, SharedKeyPutThenGetReturnsTheSameBytes) {
  auto store = open_store(shared_key_config());
  const std::string key = store->storage_key("tile_r0c0.png");
  EXPECT_EQ(key, "tiles/jobs/run1/tile_r0c0.png");
  const std::string bytes = binary_bytes(70000);
  expect_round_trip(*store, key, bytes);
}

// A ranged GET (x-ms-range, signed by Shared Key; beside a SAS as it is).
TEST_F(AzureStoreTest, AHeadReadGivesTheFirstBytesAndTheWholeSizeWithSharedKeyAndSas) {
  expect_head_reads(*open_store(shared_key_config()), "head-key/");
  expect_head_reads(*open_store(sas_config(sas())), "head-sas/");
}

TEST_F(AzureStoreTest, SharedKeyRoundTripsAKeyWithSpacesPlusAndUnicode) {
  auto store = open_store(shared_key_config());
  const std::string key = store->storage_key(kOddObjectName);
  expect_round_trip(*store, key, "odd");

  // The container lists the blob under its literal name (XML-escaped).
  net::HttpRequest list;
  list.url = server_->blob_endpoint() + "/" + kContainer +
             "?restype=container&comp=list&prefix=jobs%2Frun1%2Fsub%20dir%2F&" + sas();
  list.trust_url_host = true;
  auto listed = loopback_http().send(list);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_NE(listed.response().body.find("<Name>jobs/run1/sub dir/tile a+b%20&amp;c=d é 漢.png"),
            std::string::npos)
      << listed.response().body;
}

TEST_F(AzureStoreTest, SharedKeyCheckPasses) {
  auto store = open_store(shared_key_config());
  auto check = store->check(loopback_http());
  ASSERT_TRUE(check.ok()) << check.error().reason;
  EXPECT_EQ(store->describe(),
            std::string("https://devstoreaccount1.blob.core.windows.net/tiles/jobs/run1 at ") +
                server_->blob_endpoint() + " (Shared Key)");
}

TEST_F(AzureStoreTest, AWrongAccountKeyIsPermanent403NamingTheKeyWithoutShowingIt) {
  auto c = shared_key_config();
  // A valid base64 key of the right length, but not the account's.
  c.azure_key =
      "AAAAvdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
      "KBHBeksoGMGw==";
  auto store = open_store(c);
  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_NE(put.error().reason.find("check AZURE_STORAGE_KEY"), std::string::npos)
      << put.error().reason;
  EXPECT_EQ(put.error().reason.find(c.azure_key), std::string::npos);
}

TEST_F(AzureStoreTest, AMissingContainerIsPermanentAndSaysSo) {
  auto store = open_store(
      shared_key_config("https://devstoreaccount1.blob.core.windows.net/no-such-container/p"));
  auto check = store->check(loopback_http());
  ASSERT_FALSE(check.ok());
  EXPECT_FALSE(check.error().retryable());
  EXPECT_EQ(check.error().http_status, 404);
  EXPECT_NE(check.error().reason.find("ContainerNotFound — check the container"), std::string::npos)
      << check.error().reason;
}

TEST_F(AzureStoreTest, SasPutGetAndCheckWork) {
  auto store = open_store(sas_config(sas()));
  const std::string key = store->storage_key(kOddObjectName);
  expect_round_trip(*store, key, "via sas");
  auto check = store->check(loopback_http());
  ASSERT_TRUE(check.ok()) << check.error().reason;
}

TEST_F(AzureStoreTest, ATamperedSasIsPermanent403AndNeverAppearsInAnyText) {
  std::string tampered = sas();
  tampered.replace(tampered.size() - 8, 3, "AAA");  // inside the signature
  auto store = open_store(sas_config(tampered));
  const auto sig = sig_value(tampered);

  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_NE(put.error().reason.find("SAS in --storage-url was refused"), std::string::npos)
      << put.error().reason;
  auto check = store->check(loopback_http());
  ASSERT_FALSE(check.ok());
  for (const std::string& text : {put.error().reason, check.error().reason, store->describe()}) {
    EXPECT_EQ(text.find(sig), std::string::npos) << text;
    EXPECT_EQ(text.find("sv=2020-12-06"), std::string::npos) << text;
  }
}

TEST_F(AzureStoreTest, ASasWithoutWritePermissionIsPermanentAndNamesThePermission) {
  auto store = open_store(sas_config(sas("rl")));
  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_EQ(put.error().reason.find(sig_value(sas("rl"))), std::string::npos);
}

TEST_F(AzureStoreTest, AServerThatIsDownIsRetryableAndItsErrorShowsNoSas) {
  auto c = sas_config(sas());
  c.endpoint = "http://127.0.0.1:" + std::to_string(free_port()) + "/devstoreaccount1";
  auto store = open_store(c);
  auto put = store->put(loopback_http(), store->storage_key("x.png"), "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.error().retryable()) << put.error().reason;
  EXPECT_EQ(put.error().reason.find(sig_value(sas())), std::string::npos) << put.error().reason;
  EXPECT_EQ(put.error().reason.find("sig="), std::string::npos) << put.error().reason;
}

TEST_F(AzureStoreTest, AKeyOutsideTheContainerIsRefusedBeforeAnyRequest) {
  auto store = open_store(shared_key_config());
  auto put = store->put(loopback_http(), "other/x.png", "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_NE(put.error().reason.find("not in container tiles"), std::string::npos);
}

}  // namespace
}  // namespace patchq::testing
