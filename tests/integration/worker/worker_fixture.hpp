// WorkerFixture: a real redis-server, real patchq-worker-testbed processes, and the helpers the
// worker's integration tests share: enqueue a scripted job, read its record and effects.
// On a failing test, every worker's log is printed.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/queue/job_queue.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {

class WorkerFixture : public ::testing::Test {
 protected:
  // Short settings so every test stays bounded; `extra` flags come after and win.
  ChildProcess& start_worker(const std::vector<std::string>& extra = {},
                             const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args = {
        "--redis",     redis_.url(), "--prefix",    "it:",   "--processes",  "1",
        "--lease",     "500ms",      "--block",     "100ms", "--retry-base", "50ms",
        "--retry-cap", "200ms",      "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    workers_.push_back(
        std::make_unique<ChildProcess>(binary_path("patchq-worker-testbed"), args, env));
    return *workers_.back();
  }

  // Enqueues {"script": <script>} the way the receiver does (same record, same entry).
  std::string enqueue(const std::string& script, const std::string& item = "item-1") {
    redis::SyncClient client({redis_.endpoint()});
    queue::JobQueue queue(client, queue::KeySchema("it:"));
    queue::JobSpec spec;
    spec.payload = R"({"script":)" + script + "}";
    spec.target = "ds";
    spec.item_id = item;
    spec.delivery_id = "delivery-" + item;
    return queue.enqueue(spec);
  }

  std::string field(const std::string& job, const std::string& name) {
    return redis_.command({"HGET", "it:job:" + job, name}).str;
  }
  std::string status(const std::string& job) { return field(job, "status"); }
  long long count(const std::string& key) {
    const auto v = redis_.command({"GET", key});
    return v.is_nil() ? 0 : std::stoll(v.str);
  }
  long long effects(const std::string& job) { return count("testbed:effects:" + job); }
  long long runs(const std::string& job) { return count("testbed:runs:" + job); }
  bool wait_status(const std::string& job, const std::string& wanted,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return wait_until([&] { return status(job) == wanted; }, timeout);
  }
  long long pending() {
    const auto v = redis_.command({"XPENDING", "it:jobs", "workers"});
    return v.elements.empty() ? 0 : v.elements[0].integer;
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      std::cerr << "---- worker " << i << " stderr ----\n" << workers_[i]->stderr_text();
    }
  }

  RedisServer redis_{RedisServer::Options{.append_only = true}};  // jobs survive a restart
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

}  // namespace patchq::testing
