// Storage mode through the processes: webhooks in at patchq-receiver, Redis, patchq-worker
// (tiles PUT to s3rver, registered with register_existing through the registration desk), the
// V7 stand-in reading every registered object back from the bucket.
//   - Several jobs in flight in ONE worker process share register_existing calls: fewer calls
//     than jobs, so a call carried the tiles of several jobs (one job at a time: a call a job).
//   - With ~10 % faults on the V7 API and ~10 % on the storage (a fault-injecting proxy in
//     front of s3rver), every job ends done and the bucket reconciles with V7: every tile
//     registered exactly once, none lost, none duplicated, no object left unregistered.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <filesystem>
#include <iostream>
#include <set>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/local_tiles.hpp"
#include "tests/integration/e2e/payload_annotations.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/integration/receiver/receiver_process.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/storage_emulators.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBucket = "pipeline-bucket";
constexpr const char* kSlug = "customer-s3";

// The worker's storage flags (credentials go through the environment).
std::vector<std::string> worker_storage_args(const std::string& prefix,
                                             const std::string& endpoint) {
  return {"--storage-url",      std::string("s3://") + kBucket + "/" + prefix,
          "--storage-endpoint", endpoint,
          "--storage-slug",     kSlug};
}

// The stand-in reads the bucket directly (never through the fault proxy).
std::vector<std::string> sim_storage_args(const std::string& prefix, const std::string& endpoint) {
  return {"--enforce-rate-limit",
          "--storage-url=s3://" + std::string(kBucket) + "/" + prefix,
          std::string("--storage-slug=") + kSlug,
          "--storage-endpoint=" + endpoint,
          std::string("--storage-access-key-id=") + testing::S3rverServer::kAccessKeyId,
          std::string("--storage-secret-access-key=") + testing::S3rverServer::kSecretAccessKey};
}

std::map<std::string, std::string> s3_credentials() {
  return {{"AWS_ACCESS_KEY_ID", testing::S3rverServer::kAccessKeyId},
          {"AWS_SECRET_ACCESS_KEY", testing::S3rverServer::kSecretAccessKey}};
}

// Total calls the stand-in counted for `endpoint` (GET /_sim/stats).
std::int64_t sim_calls(Chain& chain, const std::string& endpoint) {
  const auto reply = chain.sim().call("GET", "/_sim/stats");
  simdjson::dom::parser parser;
  const simdjson::padded_string text(reply.body);
  std::int64_t total = 0;
  if (parser.parse(text)["endpoints"][endpoint]["total"].get(total) != simdjson::SUCCESS) return 0;
  return total;
}

// Posts one webhook per image (a rows x cols grid each) and returns the tile names the worker
// must make.
std::set<std::string> post_jobs(Chain& chain, int jobs, const std::string& stem, int rows = 2,
                                int cols = 2) {
  std::set<std::string> expected;
  const std::string image = street_image_jpeg(320, 240);
  for (int i = 0; i < jobs; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "c0000000-0000-4000-8000-%012d", i);
    const std::string annotations =
        "[" + grid_annotation(id, rows, cols, 8.0, 6.0, 300.0, 220.0) + "]";
    const std::string payload = with_annotations(
        chain.add_image("source", stem + "_" + std::to_string(i) + ".jpg", image), annotations);
    const auto local = cut_like_the_worker(payload, image);
    if (!local.ok()) throw std::runtime_error(local.error);
    for (const auto& tile : local.tiles) expected.insert(tile.name);
    const auto reply = chain.post_webhook(payload, "patches");
    if (reply.status != 202) throw std::runtime_error("receiver: " + reply.body);
  }
  return expected;
}

bool all_done(Chain& chain, int jobs, std::chrono::milliseconds timeout, QueueCounts& counts) {
  return testing::wait_until(
      [&] {
        counts = chain.counts();
        return counts.done + counts.dead >= jobs;
      },
      timeout, 100ms);
}

// The object names under s3rver's folder for `prefix` (s3rver keeps "<key>._S3rver_object").
std::multiset<std::string> bucket_objects(const testing::S3rverServer& s3,
                                          const std::string& prefix) {
  std::multiset<std::string> names;
  const auto root = s3.data_dir() / kBucket / prefix;
  if (!std::filesystem::exists(root)) return names;
  const std::string suffix = "._S3rver_object";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.ends_with(suffix)) continue;
    if (file.starts_with(".patchq-check")) continue;  // the worker's start-up storage check
    file.resize(file.size() - suffix.size());
    names.insert(file);
  }
  return names;
}

class StoragePipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3_ = new testing::S3rverServer(kBucket); }
  static void TearDownTestSuite() {
    delete s3_;
    s3_ = nullptr;
  }
  static testing::S3rverServer* s3_;
};
testing::S3rverServer* StoragePipeline::s3_ = nullptr;

TEST_F(StoragePipeline, JobsInFlightInOneProcessShareRegistrationCalls) {
  constexpr int kJobs = 3;
  std::vector<std::string> worker_args = worker_storage_args("shared", s3_->endpoint());
  worker_args.insert(worker_args.end(), {"--jobs-in-flight", "3"});
  Chain chain(ChainOptions{.worker_processes = 1,
                           .worker_args = worker_args,
                           .worker_env = s3_credentials(),
                           .sim_args = sim_storage_args("shared", s3_->endpoint())});
  // A slow register call: while one is in flight the other jobs' tiles wait on the desk.
  ASSERT_EQ(
      chain.sim()
          .call("POST", "/_sim/faults", R"({"endpoint":"register_existing","latency_ms":1500})")
          .status,
      200);
  const auto expected = post_jobs(chain, kJobs, "shared");
  ASSERT_EQ(expected.size(), 4u * kJobs);
  QueueCounts counts;
  ASSERT_TRUE(all_done(chain, kJobs, 30s, counts)) << chain.logs();
  EXPECT_EQ(counts.done, kJobs) << chain.logs();
  const auto items = chain.dataset_items("patches");
  std::set<std::string> names;
  for (const auto& item : items) names.insert(item.name);
  EXPECT_EQ(items.size(), expected.size());
  EXPECT_EQ(names, expected);
  // Every job's tiles are in some call; fewer calls than jobs means a call carried the tiles
  // of several jobs, all from the one worker process.
  const std::int64_t calls = sim_calls(chain, "register_existing");
  std::cout << "[measure] " << kJobs << " jobs in one process: " << calls
            << " register_existing calls\n";
  EXPECT_GE(calls, 1);
  EXPECT_LT(calls, kJobs);
}

TEST_F(StoragePipeline, TenPercentFaultsOnV7AndStorageLoseNothingAndDuplicateNothing) {
  constexpr int kJobs = 8;
  testing::ChildProcess proxy(
      "/usr/bin/python3",
      {std::string(PATCHQ_SOURCE_DIR) + "/tests/support/fault_proxy.py", "--upstream",
       s3_->endpoint(), "--p-before", "0.04", "--p-after", "0.06", "--seed", "13"});
  ASSERT_TRUE(testing::wait_until([&] {
    return proxy.stdout_text().find('}') != std::string::npos;
  })) << proxy.stderr_text();
  const std::string line = proxy.stdout_text();
  const auto at = line.find("\"port\": ");
  ASSERT_NE(at, std::string::npos) << line;
  const std::string proxy_url = "http://127.0.0.1:" + line.substr(at + 8, line.find('}') - at - 8);

  std::vector<std::string> worker_args = worker_storage_args("faults", proxy_url);
  worker_args.insert(worker_args.end(), {"--jobs-in-flight", "3", "--retry-base", "100ms",
                                         "--retry-cap", "1s", "--max-attempts", "30"});
  Chain chain(ChainOptions{.worker_processes = 2,
                           .worker_args = worker_args,
                           .worker_env = s3_credentials(),
                           .sim_args = sim_storage_args("faults", s3_->endpoint())});
  ASSERT_EQ(
      chain.sim()
          .call("POST", "/_sim/faults", R"({"endpoint":"*","p5xx":0.05,"preset":0.05,"seed":5})")
          .status,
      200);
  const auto expected = post_jobs(chain, kJobs, "faults", 3, 3);
  ASSERT_EQ(expected.size(), 9u * kJobs);
  QueueCounts counts;
  ASSERT_TRUE(all_done(chain, kJobs, 45s, counts))
      << "done " << counts.done << " dead " << counts.dead << " retrying " << counts.retrying
      << "\n"
      << chain.logs();
  EXPECT_EQ(counts.done, kJobs) << chain.logs();
  EXPECT_EQ(counts.dead, 0);

  // Reconcile V7 with the bucket.
  const auto items = chain.dataset_items("patches");
  std::multiset<std::string> registered;
  for (const auto& item : items) registered.insert(item.name);
  EXPECT_EQ(registered.size(), expected.size()) << "registered more than once, or lost";
  EXPECT_EQ(std::set<std::string>(registered.begin(), registered.end()), expected);
  const auto objects = bucket_objects(*s3_, "faults");
  EXPECT_EQ(objects.size(), expected.size()) << "an object written twice under two keys?";
  for (const auto& object : objects) {
    EXPECT_TRUE(registered.contains(object)) << object << " is in the bucket but not registered";
  }
  for (const auto& name : expected) {
    EXPECT_TRUE(objects.contains(name)) << name << " is registered but not in the bucket";
  }

  // The faults really happened, on both sides.
  proxy.signal(SIGTERM);
  ASSERT_TRUE(proxy.wait_exit(10s));
  const std::string proxy_counts = proxy.stderr_text();
  EXPECT_EQ(proxy_counts.find("\"before\": 0,"), std::string::npos) << proxy_counts;
  EXPECT_EQ(proxy_counts.find("\"after\": 0,"), std::string::npos) << proxy_counts;
  const auto stats = chain.sim().call("GET", "/_sim/stats");
  EXPECT_NE(stats.body.find("\"reset\""), std::string::npos) << stats.body;
  std::cout << "[measure] storage proxy: " << proxy_counts;
}

}  // namespace
}  // namespace patchq::e2e
