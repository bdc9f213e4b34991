// Crashes: a SIGKILLed worker's job finishes elsewhere exactly once; a job that kills its
// worker every time ends as a poison dead letter without hurting other jobs; the supervisor
// restarts a crashed child.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "tests/integration/worker/worker_fixture.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

using CrashRecovery = WorkerFixture;

TEST_F(CrashRecovery, ASigkilledWorkersJobCompletesExactlyOnceOnAnotherWorker) {
  ChildProcess& a = start_worker();
  ChildProcess& b = start_worker();
  const std::string job = enqueue(R"({"sleep_ms":2000,"sleep_times":1,"tiles":5})");
  ASSERT_TRUE(wait_until([&] { return count("testbed:running:" + job) != 0; }));
  const pid_t first = static_cast<pid_t>(count("testbed:running:" + job));
  ChildProcess& victim = first == a.pid() ? a : b;
  ChildProcess& survivor = first == a.pid() ? b : a;
  ASSERT_EQ(victim.pid(), first);
  victim.signal(SIGKILL);
  ASSERT_TRUE(victim.wait_exit(5s).has_value());

  ASSERT_TRUE(wait_status(job, "done"));
  EXPECT_EQ(effects(job), 1);
  EXPECT_EQ(runs(job), 2);
  EXPECT_EQ(count("testbed:running:" + job), survivor.pid());
  EXPECT_EQ(field(job, "tiles"), "5");
  EXPECT_EQ(pending(), 0);
}

TEST_F(CrashRecovery, AJobThatCrashesItsWorkerEveryTimeEndsDeadAsPoisonOthersUnaffected) {
  start_worker({"--processes", "2", "--lease", "300ms", "--max-deliveries", "2"});
  const std::string poison = enqueue(R"({"crash":true})", "poison");
  std::vector<std::string> healthy;
  for (int i = 0; i < 4; ++i)
    healthy.push_back(enqueue(R"({"tiles":1})", "ok-" + std::to_string(i)));

  ASSERT_TRUE(wait_status(poison, "dead", 15s));
  const auto letters = redis_.command({"XRANGE", "it:dead", "-", "+"});
  ASSERT_EQ(letters.elements.size(), 1u);
  const auto& f = letters.elements[0].elements[1].elements;
  std::map<std::string, std::string> letter;
  for (std::size_t i = 0; i + 1 < f.size(); i += 2) letter[f[i].str] = f[i + 1].str;
  EXPECT_EQ(letter["job_id"], poison);
  EXPECT_EQ(letter["reason"], "poison");
  EXPECT_NE(letter["error"].find("delivered 3 times"), std::string::npos) << letter["error"];
  EXPECT_EQ(runs(poison), 2);  // --max-deliveries runs, then dead without a third
  EXPECT_EQ(effects(poison), 0);
  for (const auto& job : healthy) {
    EXPECT_TRUE(wait_status(job, "done")) << job;
    EXPECT_EQ(effects(job), 1) << job;
  }
}

TEST_F(CrashRecovery, TheSupervisorRestartsACrashedChild) {
  ChildProcess& supervisor = start_worker({"--processes", "2", "--lease", "300ms"});
  ASSERT_TRUE(wait_until([&] { return redis_.command({"SCARD", "testbed:pids"}).integer == 2; }));
  const std::string job = enqueue(R"({"crash":true,"crash_times":1})");
  ASSERT_TRUE(wait_until([&] { return redis_.command({"SCARD", "testbed:pids"}).integer == 3; }));
  ASSERT_TRUE(wait_status(job, "done"));
  EXPECT_EQ(effects(job), 1);
  EXPECT_TRUE(supervisor.running());
  EXPECT_NE(supervisor.stderr_text().find("worker_process_died"), std::string::npos);
}

}  // namespace
}  // namespace patchq::testing
