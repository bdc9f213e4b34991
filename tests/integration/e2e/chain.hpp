// Chain: the whole patchq stack for one end-to-end test, as real processes on loopback —
// redis-server (AOF), the V7 stand-in, patchq-receiver and patchq-worker (a supervisor with
// worker processes, pointed at the stand-in) — plus the calls the tests make across it: add a
// source image to the stand-in, post a webhook to the receiver, read the target dataset, ask
// patchqctl. Built on the shared SimProcess and ReceiverProcess helpers.
// Invariants: every process is stopped on destruction (the worker with SIGTERM, so its
// children exit too); nothing listens beyond 127.0.0.1.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/receiver/receiver_process.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/redis_server.hpp"

namespace patchq::e2e {

struct ChainOptions {
  bool create_target = true;  // the worker's --create-target
  // The worker's --allow-private-hosts; when off, --allow-private-v7-api instead (the
  // stand-in's origin alone is exempt from the address rules).
  bool allow_private_hosts = true;
  int worker_processes = 2;
  std::vector<std::string> worker_args = {};           // more worker flags, after the defaults
  std::map<std::string, std::string> worker_env = {};  // more worker environment (credentials)
  // The stand-in enforces V7's 1000 requests a minute per key, as V7 does.
  std::vector<std::string> sim_args = {"--enforce-rate-limit"};
};

// patchqctl stats --json.
struct QueueCounts {
  std::int64_t queued = 0, pending = 0, retrying = 0, dead = 0, done = 0;
};

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

// One item of a dataset as the stand-in lists it.
struct DatasetItem {
  std::string name;
  std::string path;
  std::vector<std::string> tags;
};

class Chain {
 public:
  explicit Chain(ChainOptions options = {});
  ~Chain();
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  v7sim::testing::SimProcess& sim() { return *sim_; }
  int receiver_port() const { return receiver_->port(); }

  // Adds `image` as `name` to the stand-in's dataset `slug`; returns the webhook payload the
  // stand-in answers with (annotations empty), in folder `path`. Throws when the stand-in
  // refuses.
  std::string add_image(const std::string& slug, const std::string& name, const std::string& image,
                        const std::string& path = "/");

  // POST /webhook?target=<target> to the receiver, with the token.
  testing::HttpReply post_webhook(const std::string& payload, const std::string& target);

  // The confirmed items of a dataset (empty when the dataset does not exist).
  std::vector<DatasetItem> dataset_items(const std::string& slug);
  // One stored file of a dataset, by item name.
  std::string dataset_file(const std::string& slug, const std::string& name);

  CtlRun ctl(const std::vector<std::string>& args);
  QueueCounts counts();  // throws when patchqctl fails

  // The receiver's and the worker's stderr, for failure messages.
  std::string logs();

 private:
  testing::RedisServer redis_{testing::RedisServer::Options{.append_only = true}};
  std::unique_ptr<v7sim::testing::SimProcess> sim_;
  std::unique_ptr<testing::ReceiverProcess> receiver_;
  std::unique_ptr<testing::ChildProcess> worker_;
};

}  // namespace patchq::e2e
