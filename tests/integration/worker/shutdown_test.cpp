// Shutdown: SIGTERM lets the running job finish within the grace; past the grace the job is
// left pending (never acked) and another worker finishes it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/integration/worker/worker_fixture.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

using Shutdown = WorkerFixture;

TEST_F(Shutdown, SigtermLetsTheRunningJobFinishWithinTheGrace) {
  ChildProcess& worker = start_worker({"--shutdown-grace", "10s"});
  const std::string job = enqueue(R"({"sleep_ms":1000})");
  ASSERT_TRUE(wait_until([&] { return runs(job) == 1; }));
  worker.signal(SIGTERM);
  ASSERT_TRUE(worker.wait_exit(8s).has_value());
  EXPECT_EQ(worker.exit_code(), 0);
  EXPECT_EQ(status(job), "done");
  EXPECT_EQ(effects(job), 1);
}

TEST_F(Shutdown, PastTheGraceTheJobIsLeftPendingAndAnotherWorkerFinishesIt) {
  ChildProcess& first = start_worker({"--shutdown-grace", "300ms", "--lease", "10s"});
  const std::string job = enqueue(R"({"sleep_ms":4000,"sleep_times":1})");
  ASSERT_TRUE(wait_until([&] { return runs(job) == 1; }));
  first.signal(SIGTERM);
  ASSERT_TRUE(first.wait_exit(3s).has_value());
  EXPECT_EQ(first.exit_code(), 75);  // kExitAbandoned
  // Never acked: still pending, not done, no effect.
  EXPECT_EQ(pending(), 1);
  EXPECT_EQ(status(job), "running");
  EXPECT_EQ(effects(job), 0);
  // The lease was released, so a new worker takes it without waiting out the 10 s lease.
  start_worker({"--lease", "10s"});
  ASSERT_TRUE(wait_status(job, "done", 5s));
  EXPECT_EQ(effects(job), 1);
  EXPECT_EQ(runs(job), 2);
}

TEST_F(Shutdown, SigtermToTheSupervisorDrainsEveryChild) {
  ChildProcess& supervisor = start_worker({"--processes", "2", "--shutdown-grace", "10s"});
  const std::string a = enqueue(R"({"sleep_ms":800})", "a");
  const std::string b = enqueue(R"({"sleep_ms":800})", "b");
  ASSERT_TRUE(wait_until([&] { return runs(a) == 1 && runs(b) == 1; }));
  supervisor.signal(SIGTERM);
  ASSERT_TRUE(supervisor.wait_exit(8s).has_value());
  EXPECT_EQ(supervisor.exit_code(), 0);
  EXPECT_EQ(status(a), "done");
  EXPECT_EQ(status(b), "done");
}

}  // namespace
}  // namespace patchq::testing
