// Storage mode end to end below the worker: V7Client's uploader PUTs tiles to a real storage
// emulator (s3rver for S3, azurite for Azure Blob) and registers them with the V7 stand-in,
// which reads every registered object back from the same storage. Checked: the bytes V7 lists
// are the bytes in the bucket, registrations are batched (100 a call), re-runs register nothing
// twice, read-only storage gets thumbnails and sizes, and with 10 % faults on the V7 API and on
// storage, retried jobs lose nothing, duplicate nothing and leave no object unregistered.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>

#include "common/patchjob/patch_job_handler.hpp"
#include "common/v7/v7_client.hpp"
#include "tests/integration/storage/azure_test_sas.hpp"
#include "tests/integration/storage/store_test_support.hpp"
#include "tests/integration/v7client/v7_sim.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/storage_emulators.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kTeam = "patchq-sim";
constexpr const char* kBucket = "customer-bucket";
constexpr const char* kContainer = "tiles";

std::vector<v7::Tile> tiles_of(int n, const std::string& stem, bool with_thumbnails = false) {
  std::vector<v7::Tile> tiles;
  for (int i = 0; i < n; ++i) {
    v7::Tile tile{stem + "_r0c" + std::to_string(i) + ".png",
                  v7::tile_bytes(noise_png(24 + i % 5, 16, static_cast<unsigned>(i + 1)))};
    tile.width = 24 + i % 5;
    tile.height = 16;
    if (with_thumbnails) tile.thumbnail = v7::tile_bytes(noise_png(12, 8, 99));
    tiles.push_back(std::move(tile));
  }
  return tiles;
}

v7::UploadReport upload(v7::V7Client& client, const std::string& dataset,
                        std::vector<v7::Tile> tiles) {
  auto uploader = client.start_upload(kTeam, dataset);
  for (auto& tile : tiles) uploader->add(std::move(tile));
  return uploader->finish();
}

std::string reason_of(const v7::UploadReport& report) {
  return report.job_error() ? report.job_error()->reason : "";
}

// The stand-in's storage flags for `config`: it reads with the same credentials.
std::vector<std::string> sim_storage_args(const storage::StorageConfig& config) {
  std::vector<std::string> args = {"--storage-url=" + config.url, "--storage-slug=" + config.slug,
                                   "--storage-endpoint=" + config.endpoint};
  if (!config.aws_access_key_id.empty()) {
    args.push_back("--storage-access-key-id=" + config.aws_access_key_id);
    args.push_back("--storage-secret-access-key=" + config.aws_secret_access_key);
  }
  if (!config.azure_key.empty()) {
    args.push_back("--storage-account=" + config.azure_account);
    args.push_back("--storage-account-key=" + config.azure_key);
  }
  if (config.readonly) args.push_back("--storage-readonly");
  return args;
}

class StorageModeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s3_ = new S3rverServer(kBucket);
    azure_ = new AzuriteServer();
    ASSERT_TRUE(create_container(loopback_http(), azure_->blob_endpoint(), AzuriteServer::kAccount,
                                 AzuriteServer::kAccountKey, kContainer))
        << azure_->output();
  }
  static void TearDownTestSuite() {
    delete s3_;
    delete azure_;
    s3_ = nullptr;
    azure_ = nullptr;
  }

  static storage::StorageConfig s3_config(const std::string& prefix,
                                          const std::string& endpoint = "") {
    storage::StorageConfig c;
    c.url = std::string("s3://") + kBucket + "/" + prefix;
    c.endpoint = endpoint.empty() ? s3_->endpoint() : endpoint;
    c.slug = "customer-s3";
    c.aws_access_key_id = S3rverServer::kAccessKeyId;
    c.aws_secret_access_key = S3rverServer::kSecretAccessKey;
    return c;
  }
  static storage::StorageConfig azure_sas_config(const std::string& prefix, bool readonly) {
    storage::StorageConfig c;
    c.url = std::string("https://devstoreaccount1.blob.core.windows.net/") + kContainer + "/" +
            prefix + "?" +
            container_sas(AzuriteServer::kAccount, AzuriteServer::kAccountKey, kContainer, "racwl");
    c.endpoint = azure_->blob_endpoint();
    c.slug = "customer-azure";
    c.readonly = readonly;
    return c;
  }
  static storage::StorageConfig azure_key_config(const std::string& prefix) {
    storage::StorageConfig c;
    c.url =
        std::string("https://devstoreaccount1.blob.core.windows.net/") + kContainer + "/" + prefix;
    c.endpoint = azure_->blob_endpoint();
    c.slug = "customer-azure";
    c.azure_account = AzuriteServer::kAccount;
    c.azure_key = AzuriteServer::kAccountKey;
    return c;
  }

  // A client in storage mode for `config`, against `sim`; `registrations` (may be null) is the
  // budget of V7's 100 read-only registrations a minute.
  static std::unique_ptr<v7::V7Client> client_for(
      const V7Sim& sim, const storage::ObjectStore& store, const storage::StorageConfig& config,
      std::shared_ptr<v7::RateLimiter> registrations = nullptr) {
    auto v7 = sim.client_config();
    v7.create_target = true;
    v7::StorageSink sink{&store, config.slug, config.readonly, 100};
    return std::make_unique<v7::V7Client>(v7, nullptr, sink, std::move(registrations));
  }

  static S3rverServer* s3_;
  static AzuriteServer* azure_;
};
S3rverServer* StorageModeTest::s3_ = nullptr;
AzuriteServer* StorageModeTest::azure_ = nullptr;

TEST_F(StorageModeTest, S3TilesLandInTheBucketAndAreRegisteredByKey) {
  const auto config = s3_config("run-a");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  auto tiles = tiles_of(30, "item");
  tiles[3].path = "/city/north";
  tiles[3].tags = {"patch (4x6)", "source:item.jpg"};
  const auto expected = tiles;
  const auto report = upload(*client, "patches", std::move(tiles));
  EXPECT_EQ(report.uploaded, 30u) << reason_of(report);
  EXPECT_EQ(sim.item_path("patches", expected[3].name), "/city/north");
  EXPECT_EQ(sim.item_tags("patches", expected[3].name), expected[3].tags);
  EXPECT_EQ(sim.item_path("patches", expected[4].name), "/");
  EXPECT_TRUE(sim.item_tags("patches", expected[4].name).empty());
  EXPECT_EQ(sim.count("register_existing"), 1);  // 30 tiles, one call
  EXPECT_EQ(sim.count("direct_upload") + sim.count("register_upload"), 0);
  EXPECT_EQ(sim.item_names("patches").size(), 30u);
  for (const auto& tile : expected) {
    const std::string bytes(tile.view());
    EXPECT_EQ(sim.item_sha256("patches", tile.name), sha256_hex(bytes)) << tile.name;
    auto in_bucket =
        store->get(loopback_http(),
                   store->storage_key(v7::storage_object_name("patches", tile.name)), 1 << 20);
    ASSERT_TRUE(in_bucket.ok()) << in_bucket.error().reason;
    EXPECT_EQ(*in_bucket, bytes);
  }
  EXPECT_EQ(v7::storage_object_name("patches", "item_r0c1.png"), "patches/item_r0c1.png");
}

TEST_F(StorageModeTest, ARerunRewritesTheSameObjectsAndRegistersNothingTwice) {
  const auto config = s3_config("run-b");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  ASSERT_EQ(upload(*client, "patches", tiles_of(12, "again")).uploaded, 12u);
  const auto second = upload(*client, "patches", tiles_of(12, "again"));
  EXPECT_EQ(second.already_existed, 12u) << reason_of(second);
  EXPECT_EQ(second.uploaded, 0u);
  EXPECT_FALSE(second.job_error());
  EXPECT_EQ(sim.item_names("patches").size(), 12u);
}

TEST_F(StorageModeTest, RegistrationsCarryAtMostAHundredTilesACall) {
  const auto config = azure_key_config("run-c");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  const auto report = upload(*client, "patches", tiles_of(150, "many"));
  EXPECT_EQ(report.uploaded, 150u) << reason_of(report);
  EXPECT_EQ(sim.count("register_existing"), 2);
  EXPECT_EQ(sim.item_names("patches").size(), 150u);
}

TEST_F(StorageModeTest, ReadOnlyAzureStorageGetsThumbnailsAndSizes) {
  const auto config = azure_sas_config("run-d", /*readonly=*/true);
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  const auto report = upload(*client, "patches", tiles_of(8, "ro", /*with_thumbnails=*/true));
  EXPECT_EQ(report.uploaded, 8u) << reason_of(report);
  EXPECT_EQ(sim.count("register_existing_readonly"), 1);
  EXPECT_EQ(sim.count("register_existing"), 0);
  EXPECT_EQ(sim.item_names("patches").size(), 8u);
  auto thumbnail =
      store->get(loopback_http(),
                 store->storage_key(v7::storage_thumbnail_name("patches", "ro_r0c3.png")), 1 << 20);
  ASSERT_TRUE(thumbnail.ok()) << thumbnail.error().reason;
  EXPECT_EQ(thumbnail->substr(1, 3), "PNG");  // the bytes the test handed over as thumbnail
  EXPECT_EQ(store->storage_key("x"), "tiles/run-d/x");  // Azure keys start with the container
}

// Counts the tokens taken from it; never waits.
struct CountingBudget : v7::RateLimiter {
  std::atomic<int> taken{0};
  std::chrono::milliseconds acquire() override {
    ++taken;
    return std::chrono::milliseconds(0);
  }
};

TEST_F(StorageModeTest, OnlyReadOnlyRegistrationsSpendTheRegistrationBudget) {
  // V7 documents 100 calls a minute for register_existing_readonly; read-write registrations
  // spend only the key's budget, like any call.
  const auto read_write = s3_config("run-rw");
  auto rw_store = open_store(read_write);
  V7Sim rw_sim(sim_storage_args(read_write));
  auto rw_budget = std::make_shared<CountingBudget>();
  auto rw_client = client_for(rw_sim, *rw_store, read_write, rw_budget);
  ASSERT_TRUE(rw_client->ensure_target(kTeam, "patches"));
  EXPECT_EQ(upload(*rw_client, "patches", tiles_of(4, "rw")).uploaded, 4u);
  EXPECT_EQ(rw_sim.count("register_existing"), 1);
  EXPECT_EQ(rw_budget->taken.load(), 0);

  const auto read_only = azure_sas_config("run-ro", /*readonly=*/true);
  auto ro_store = open_store(read_only);
  V7Sim ro_sim(sim_storage_args(read_only));
  auto ro_budget = std::make_shared<CountingBudget>();
  auto ro_client = client_for(ro_sim, *ro_store, read_only, ro_budget);
  ASSERT_TRUE(ro_client->ensure_target(kTeam, "patches"));
  EXPECT_EQ(upload(*ro_client, "patches", tiles_of(4, "ro", /*with_thumbnails=*/true)).uploaded,
            4u);
  EXPECT_EQ(ro_sim.count("register_existing_readonly"), 1);
  EXPECT_EQ(ro_budget->taken.load(), 1);
}

TEST_F(StorageModeTest, AWrongSizeForReadOnlyStorageIsRefusedNotRegistered) {
  const auto config = azure_sas_config("run-e", /*readonly=*/true);
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  auto tiles = tiles_of(2, "size", true);
  tiles[1].width += 1;
  const auto report = upload(*client, "patches", std::move(tiles));
  EXPECT_EQ(report.uploaded, 1u);
  ASSERT_EQ(report.failed, 1u);
  EXPECT_NE(reason_of(report).find("DIMENSIONS_MISMATCH"), std::string::npos) << reason_of(report);
}

TEST_F(StorageModeTest, BadCredentialsFailTheTilePermanentlyWithAReason) {
  auto config = s3_config("run-f");
  config.aws_access_key_id = "NOT-A-KEY";
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(s3_config("run-f")));
  auto client = client_for(sim, *store, config);
  ASSERT_TRUE(client->ensure_target(kTeam, "patches"));
  const auto report = upload(*client, "patches", tiles_of(2, "cred"));
  ASSERT_EQ(report.failed, 2u);
  ASSERT_TRUE(report.job_error());
  EXPECT_FALSE(report.job_error()->retryable());
  EXPECT_NE(reason_of(report).find("storage"), std::string::npos) << reason_of(report);
  EXPECT_EQ(sim.count("register_existing"), 0);  // nothing registered that is not in the bucket
}

// The worker checks its bucket before it starts: bad credentials stop it with the reason.
TEST_F(StorageModeTest, AWorkerWithWrongStorageCredentialsRefusesToStart) {
  ChildProcess worker(binary_path("patchq-worker"),
                      {"--processes", "1", "--allow-private-hosts", "--storage-url",
                       std::string("s3://") + kBucket + "/w", "--storage-endpoint", s3_->endpoint(),
                       "--storage-slug", "customer-s3"},
                      {{"V7_API_KEY", "k"},
                       {"AWS_ACCESS_KEY_ID", "NOT-A-KEY"},
                       {"AWS_SECRET_ACCESS_KEY", "wrong"}});
  ASSERT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
  EXPECT_EQ(worker.exit_code(), 2);
  EXPECT_NE(worker.stderr_text().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << worker.stderr_text();
  EXPECT_EQ(worker.stderr_text().find("wrong"), std::string::npos);  // the secret is not shown
}

TEST_F(StorageModeTest, AWorkerWithStorageButNoSlugRefusesToStart) {
  ChildProcess worker(binary_path("patchq-worker"),
                      {"--storage-url", std::string("s3://") + kBucket + "/w"},
                      {{"V7_API_KEY", "k"}});
  ASSERT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
  EXPECT_EQ(worker.exit_code(), 2);
  EXPECT_NE(worker.stderr_text().find("--storage-slug"), std::string::npos) << worker.stderr_text();
}

// /readyz of a worker process: 503 with the reason while its storage was unreachable at
// start (the worker runs: jobs retry until the storage answers), 200 once the check passed.
TEST_F(StorageModeTest, AWorkerWhoseStorageIsUnreachableAtStartIsNotReady) {
  RedisServer redis;
  const int metrics_port = free_port();
  const std::string nobody = "http://127.0.0.1:" + std::to_string(free_port());
  ChildProcess worker(binary_path("patchq-worker"),
                      {"--processes", "1", "--allow-private-hosts", "--redis", redis.url(),
                       "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port),
                       "--storage-url", std::string("s3://") + kBucket + "/w", "--storage-endpoint",
                       nobody, "--storage-slug", "customer-s3"},
                      {{"V7_API_KEY", "k"},
                       {"AWS_ACCESS_KEY_ID", S3rverServer::kAccessKeyId},
                       {"AWS_SECRET_ACCESS_KEY", S3rverServer::kSecretAccessKey}});
  HttpReply ready;
  ASSERT_TRUE(wait_until(
      [&] {
        ready = http_get(metrics_port, "/readyz");
        return ready.status != 0;
      },
      std::chrono::seconds(30)))
      << worker.stderr_text();
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("storage: unreachable at start"), std::string::npos) << ready.body;
  EXPECT_EQ(http_get(metrics_port, "/healthz").status, 200);  // alive, only not ready
  EXPECT_NE(worker.stderr_text().find("storage_unreachable_at_start"), std::string::npos);
  worker.signal(SIGTERM);
  EXPECT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
}

TEST_F(StorageModeTest, AWorkerWhoseStorageCheckPassedIsReady) {
  RedisServer redis;
  const int metrics_port = free_port();
  ChildProcess worker(binary_path("patchq-worker"),
                      {"--processes", "1", "--allow-private-hosts", "--redis", redis.url(),
                       "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port),
                       "--storage-url", std::string("s3://") + kBucket + "/w", "--storage-endpoint",
                       s3_->endpoint(), "--storage-slug", "customer-s3"},
                      {{"V7_API_KEY", "k"},
                       {"AWS_ACCESS_KEY_ID", S3rverServer::kAccessKeyId},
                       {"AWS_SECRET_ACCESS_KEY", S3rverServer::kSecretAccessKey}});
  HttpReply ready;
  ASSERT_TRUE(wait_until(
      [&] {
        ready = http_get(metrics_port, "/readyz");
        return ready.status != 0;
      },
      std::chrono::seconds(30)))
      << worker.stderr_text();
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, "ready\n");
  worker.signal(SIGTERM);
  EXPECT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
}

// A storage server on a private network (MinIO in the cluster) is allowed by its origin alone:
// the job's other hosts keep the address rules (no --allow-private-hosts).
TEST_F(StorageModeTest, APrivateStorageServerIsReachableByItsOriginAlone) {
  auto config = s3_config("run-private");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  auto v7 = sim.client_config();
  v7.allow_private_hosts = false;
  v7.allow_private_v7_api = true;
  v7.create_target = true;
  v7::StorageSink sink{store.get(), config.slug, config.readonly, 100};
  {
    v7::V7Client refused(v7, nullptr, sink);
    ASSERT_TRUE(refused.ensure_target(kTeam, "patches"));
    const auto report = upload(refused, "patches", tiles_of(2, "shut"));
    EXPECT_EQ(report.failed, 2u);
    EXPECT_NE(reason_of(report).find("private hosts are not allowed"), std::string::npos)
        << reason_of(report);
    EXPECT_EQ(sim.count("register_existing"), 0);
  }
  config.allow_private = true;
  v7.private_origins = {storage::private_storage_origin(config)};
  v7::V7Client allowed(v7, nullptr, sink);
  ASSERT_TRUE(allowed.ensure_target(kTeam, "patches"));
  const auto report = upload(allowed, "patches", tiles_of(2, "open"));
  EXPECT_EQ(report.uploaded, 2u) << reason_of(report);
  EXPECT_EQ(sim.item_names("patches").size(), 2u);
}

TEST_F(StorageModeTest, AWorkerReachesAPrivateStorageServerWithAllowPrivateStorage) {
  const std::map<std::string, std::string> env = {
      {"V7_API_KEY", "k"},
      {"AWS_ACCESS_KEY_ID", S3rverServer::kAccessKeyId},
      {"AWS_SECRET_ACCESS_KEY", S3rverServer::kSecretAccessKey}};
  const std::vector<std::string> storage = {
      "--storage-url",      std::string("s3://") + kBucket + "/w",
      "--storage-endpoint", s3_->endpoint(),
      "--storage-slug",     "customer-s3"};
  {
    // Without it the storage check meets the address rules and the worker says why.
    std::vector<std::string> args = {"--processes", "1"};
    args.insert(args.end(), storage.begin(), storage.end());
    ChildProcess worker(binary_path("patchq-worker"), args, env);
    ASSERT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
    EXPECT_EQ(worker.exit_code(), 2);
    EXPECT_NE(worker.stderr_text().find("private hosts are not allowed"), std::string::npos)
        << worker.stderr_text();
  }
  RedisServer redis;
  const int metrics_port = free_port();
  std::vector<std::string> args = {"--processes",
                                   "1",
                                   "--allow-private-storage",
                                   "--redis",
                                   redis.url(),
                                   "--metrics-listen",
                                   "127.0.0.1:" + std::to_string(metrics_port)};
  args.insert(args.end(), storage.begin(), storage.end());
  ChildProcess worker(binary_path("patchq-worker"), args, env);
  HttpReply ready;
  ASSERT_TRUE(wait_until(
      [&] {
        ready = http_get(metrics_port, "/readyz");
        return ready.status == 200;
      },
      std::chrono::seconds(30)))
      << ready.status << " " << ready.body << worker.stderr_text();
  worker.signal(SIGTERM);
  EXPECT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
}

// 10 % of storage requests fail (half before reaching the server, half after it stored the
// object), and 10 % of V7 API calls answer 5xx or reset. Each failed run is retried the way
// the job loop retries a job: everything arrives once, and every object is registered.
TEST_F(StorageModeTest, TenPercentFaultsLoseNothingAndDuplicateNothing) {
  ChildProcess proxy(
      "/usr/bin/python3",
      {std::string(PATCHQ_SOURCE_DIR) + "/tests/support/fault_proxy.py", "--upstream",
       s3_->endpoint(), "--p-before", "0.05", "--p-after", "0.05", "--seed", "11"});
  ASSERT_TRUE(wait_until([&] { return proxy.stdout_text().find('}') != std::string::npos; }))
      << proxy.stderr_text();
  const std::string line = proxy.stdout_text();
  const auto at = line.find("\"port\": ");
  ASSERT_NE(at, std::string::npos) << line;
  const std::string proxy_url = "http://127.0.0.1:" + line.substr(at + 8, line.find('}') - at - 8);

  const auto config = s3_config("run-g", proxy_url);
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(s3_config("run-g")));  // the stand-in reads the bucket directly
  sim.set_fault(R"({"endpoint": "*", "p5xx": 0.05, "preset": 0.05, "seed": 5})");
  auto client = client_for(sim, *store, config);
  int runs = 0;
  v7::UploadReport report;
  do {
    ASSERT_LT(++runs, 20) << "still failing: " << reason_of(report);
    if (!client->ensure_target(kTeam, "patches")) continue;
    report = upload(*client, "patches", tiles_of(40, "chaos"));
    if (report.job_error()) {
      ASSERT_TRUE(report.job_error()->retryable()) << reason_of(report);
    }
  } while (report.job_error());
  std::cout << "[measure] 40 tiles with 10 % faults: " << runs << " runs\n";
  const auto names = sim.item_names("patches");
  EXPECT_EQ(names.size(), 40u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 40u);
  // Every object in the bucket under the job's prefix is registered.
  std::set<std::string> registered(names.begin(), names.end());
  const auto folder = s3_->data_dir() / kBucket / "run-g" / "patches";
  int objects = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::string file = entry.path().filename().string();
    const std::string suffix = "._S3rver_object";
    if (!file.ends_with(suffix)) continue;
    file.resize(file.size() - suffix.size());
    ++objects;
    EXPECT_TRUE(registered.contains(file)) << file << " is in the bucket but not registered";
  }
  EXPECT_EQ(objects, 40);
  // The faults really happened: the proxy's counters, printed when it stops.
  proxy.signal(SIGTERM);
  ASSERT_TRUE(proxy.wait_exit(std::chrono::seconds(10)));
  const std::string counts = proxy.stderr_text();
  EXPECT_EQ(counts.find("\"before\": 0,"), std::string::npos) << counts;
  EXPECT_EQ(counts.find("\"after\": 0,"), std::string::npos) << counts;
  std::cout << "[measure] storage proxy: " << counts;
}

// A JPEG header whose frame header (SOF0: width x height) follows two 60000-byte APP1
// segments, i.e. beyond the stand-in's first ranged read.
std::string jpeg_with_late_frame_header(int width, int height) {
  std::string bytes = "\xFF\xD8";
  for (int segment = 0; segment < 2; ++segment) {
    bytes += "\xFF\xE1";
    bytes.push_back(static_cast<char>(60000 >> 8));
    bytes.push_back(static_cast<char>(60000 & 0xFF));
    bytes += std::string(60000 - 2, 'x');
  }
  bytes += std::string("\xFF\xC0\x00\x11\x08", 5);
  for (int v : {height, width}) {
    bytes.push_back(static_cast<char>(v >> 8));
    bytes.push_back(static_cast<char>(v & 0xFF));
  }
  bytes += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xFF\xD9", 12);
  return bytes;
}

// The stand-in's register_existing checks each object by its first bytes: a missing key and
// an object that is no image are refused; a registered item's width/height come from its
// object (from a whole read when the header lies past the first bytes), and what the stand-in
// lists and serves for it is what is in the bucket now.
TEST_F(StorageModeTest, TheStandInChecksRegisteredObjectsAndServesTheBucketsBytes) {
  const auto config = s3_config("run-probe");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  const std::string png = noise_png(37, 21, 5);
  const std::string jpeg = jpeg_with_late_frame_header(640, 480);
  ASSERT_TRUE(store->put(loopback_http(), store->storage_key("a.png"), png, "image/png").ok());
  ASSERT_TRUE(store->put(loopback_http(), store->storage_key("b.jpg"), jpeg, "image/jpeg").ok());
  ASSERT_TRUE(
      store->put(loopback_http(), store->storage_key("c.txt"), "not an image", "text/plain").ok());
  ASSERT_EQ(http_post(sim.port(), "/api/datasets", R"({"name":"probe"})",
                      {{"Authorization", std::string("ApiKey ") + kSimApiKey}})
                .status,
            200);
  std::string items;
  for (const char* name : {"a.png", "b.jpg", "c.txt", "gone.png"}) {
    if (!items.empty()) items += ",";
    items += std::string(R"({"name":")") + name + R"(","slots":[{"slot_name":"0","file_name":")" +
             name + R"(","storage_key":")" + store->storage_key(name) + R"("}]})";
  }
  const auto reply = http_post(
      sim.port(), std::string("/api/v2/teams/") + kTeam + "/items/register_existing",
      R"({"items":[)" + items + R"(],"dataset_slug":"probe","storage_slug":"customer-s3"})",
      {{"Authorization", std::string("ApiKey ") + kSimApiKey}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("name":"c.txt")"), std::string::npos);
  EXPECT_NE(reply.body.find("UNSUPPORTED_FILE_TYPE"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("STORAGE_KEY_NOT_FOUND"), std::string::npos) << reply.body;
  EXPECT_EQ(sim.item_names("probe"), (std::vector<std::string>{"a.png", "b.jpg"}));

  const auto listed = http_get(sim.port(), "/_sim/datasets/probe/items");
  EXPECT_NE(listed.body.find(R"("name":"a.png","path":"/","width":37,"height":21)"),
            std::string::npos)
      << listed.body;
  EXPECT_NE(listed.body.find(R"("name":"b.jpg","path":"/","width":640,"height":480)"),
            std::string::npos)
      << listed.body;
  EXPECT_EQ(sim.item_sha256("probe", "a.png"), sha256_hex(png));
  EXPECT_EQ(sim.item_sha256("probe", "b.jpg"), sha256_hex(jpeg));
  EXPECT_EQ(http_get(sim.port(), "/_sim/datasets/probe/items/b.jpg/file").body, jpeg);

  // The object changes in the bucket: the stand-in serves the new bytes, as V7 reads them.
  const std::string replaced = noise_png(37, 21, 6);
  ASSERT_TRUE(store->put(loopback_http(), store->storage_key("a.png"), replaced, "image/png").ok());
  EXPECT_EQ(sim.item_sha256("probe", "a.png"), sha256_hex(replaced));
  EXPECT_EQ(http_get(sim.port(), "/_sim/datasets/probe/items/a.png/file").body, replaced);
}

TEST_F(StorageModeTest, CarriedAnnotationsAlsoGetADarwinJsonFileBesideEachTile) {
  const auto config = s3_config("run-carry");
  auto store = open_store(config);
  V7Sim sim(sim_storage_args(config));
  ASSERT_EQ(http_post(sim.port(), "/_sim/annotation_classes",
                      R"({"name":"car","annotation_types":["bounding_box"]})")
                .status,
            201);
  auto added = http_post(sim.port(), "/_sim/datasets/src/images?name=cars.png", noise_png(40, 20));
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string empty = R"("annotations":[])";
  std::string payload = added.body;
  payload.replace(payload.find(empty), empty.size(),
                  R"json("annotations":[{"id":"p","name":"patch (1x2)","bounding_box":)json"
                  R"json({"x":0,"y":0,"w":40,"h":20}},{"id":"c","name":"car","bounding_box":)json"
                  R"json({"x":5,"y":5,"w":10,"h":10}}])json");
  patchjob::PatchJobConfig job_config;
  job_config.v7 = sim.client_config();
  job_config.v7.create_target = true;
  job_config.storage = config;
  job_config.carry_annotations = true;
  patchjob::PatchJobHandler handler(job_config, nullptr);
  queue::Job job;
  job.id = "carry-storage";
  job.payload = payload;
  job.target = "patches";
  queue::JobContext ctx;
  const auto outcome = handler.handle(job, ctx);
  ASSERT_EQ(outcome.kind, queue::JobOutcome::Kind::done) << outcome.error;
  EXPECT_EQ(outcome.tiles, 2);
  EXPECT_EQ(sim.count("import_annotations"), 1);  // the car is on the left tile only
  std::string left;
  std::string right;
  for (const auto& name : sim.item_names("patches")) {
    if (name.ends_with("_r0c0.png")) left = name.substr(0, name.size() - 4);
    if (name.ends_with("_r0c1.png")) right = name.substr(0, name.size() - 4);
  }
  ASSERT_FALSE(left.empty());
  ASSERT_FALSE(right.empty());
  auto json_of = [&](const std::string& stem) {
    return store->get(loopback_http(),
                      store->storage_key(v7::storage_object_name("patches", stem + ".json")),
                      1 << 20);
  };
  auto file = json_of(left);
  ASSERT_TRUE(file.ok()) << file.error().reason;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(*file);
  EXPECT_EQ(std::string_view(doc["version"]), "2.0");
  EXPECT_EQ(std::string_view(doc["item"]["name"]), left + ".png");
  EXPECT_EQ(int64_t(doc["item"]["slots"].at(0)["width"]), 20);
  EXPECT_EQ(std::string_view(doc["annotations"].at(0)["name"]), "car");
  EXPECT_EQ(double(doc["annotations"].at(0)["bounding_box"]["w"]), 10.0);
  // Nothing overlaps the right tile: no file for it.
  EXPECT_FALSE(json_of(right).ok());
}

}  // namespace
}  // namespace patchq::testing
