// Jobs in flight: one worker process runs up to --jobs-in-flight jobs at once, each with its own
// lease and its own outcome; it never holds more jobs than it runs; SIGTERM drains (or, past
// the grace, releases) all of them; a job failing among them does not affect the others.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/worker/worker_fixture.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

using JobsInFlight = WorkerFixture;

TEST_F(JobsInFlight, OneProcessRunsSeveralJobsAtOnce) {
  start_worker({"--jobs-in-flight", "3"});
  const std::string a = enqueue(R"({"sleep_ms":1500})", "a");
  const std::string b = enqueue(R"({"sleep_ms":1500})", "b");
  const std::string c = enqueue(R"({"sleep_ms":1500})", "c");
  // All three started before any of them finished: they overlap (one at a time, the third
  // would start only after the first's effect).
  ASSERT_TRUE(wait_until([&] { return runs(a) == 1 && runs(b) == 1 && runs(c) == 1; }, 5s));
  EXPECT_EQ(effects(a) + effects(b) + effects(c), 0);
  EXPECT_EQ(pending(), 3);
  EXPECT_EQ(redis_.command({"SCARD", "testbed:pids"}).integer, 1);  // in one process
  const std::string pid = redis_.command({"GET", "testbed:running:" + a}).str;
  EXPECT_EQ(redis_.command({"GET", "testbed:running:" + b}).str, pid);
  EXPECT_EQ(redis_.command({"GET", "testbed:running:" + c}).str, pid);
  for (const auto& job : {a, b, c}) {
    ASSERT_TRUE(wait_status(job, "done"));
    EXPECT_EQ(effects(job), 1);
    EXPECT_EQ(runs(job), 1);
  }
}

TEST_F(JobsInFlight, AProcessNeverHoldsMoreJobsThanItRuns) {
  start_worker({"--jobs-in-flight", "2"});
  const std::string a = enqueue(R"({"sleep_ms":1500})", "a");
  const std::string b = enqueue(R"({"sleep_ms":1500})", "b");
  const std::string c = enqueue(R"({"sleep_ms":1500})", "c");
  ASSERT_TRUE(wait_until([&] { return runs(a) + runs(b) + runs(c) == 2; }, 5s));
  // Two lanes busy: the third job is not read (still in the stream for other workers).
  EXPECT_EQ(pending(), 2);
  EXPECT_EQ(effects(a) + effects(b) + effects(c), 0);
  for (const auto& job : {a, b, c}) ASSERT_TRUE(wait_status(job, "done"));
  EXPECT_EQ(effects(a) + effects(b) + effects(c), 3);
}

TEST_F(JobsInFlight, TheDefaultIsOneJobAtATime) {
  start_worker();
  const std::string a = enqueue(R"({"sleep_ms":800})", "a");
  const std::string b = enqueue(R"({"sleep_ms":800})", "b");
  ASSERT_TRUE(wait_until([&] { return runs(a) + runs(b) == 1; }, 5s));
  EXPECT_EQ(pending(), 1);
  EXPECT_EQ(redis_.command({"GET", "testbed:jobs_in_flight"}).str, "1");
  ASSERT_TRUE(wait_status(a, "done"));
  ASSERT_TRUE(wait_status(b, "done"));
}

TEST_F(JobsInFlight, TheEnvironmentSetsIt) {
  start_worker({}, {{"PATCHQ_JOBS_IN_FLIGHT", "5"}});
  ASSERT_TRUE(wait_until([&] {
    return !redis_.command({"GET", "testbed:jobs_in_flight"}).is_nil();
  }));
  EXPECT_EQ(redis_.command({"GET", "testbed:jobs_in_flight"}).str, "5");
}

TEST_F(JobsInFlight, SigtermLetsEveryJobInFlightFinish) {
  ChildProcess& worker = start_worker({"--jobs-in-flight", "3", "--shutdown-grace", "10s"});
  const std::string a = enqueue(R"({"sleep_ms":1000})", "a");
  const std::string b = enqueue(R"({"sleep_ms":1000})", "b");
  const std::string c = enqueue(R"({"sleep_ms":1000})", "c");
  ASSERT_TRUE(wait_until([&] { return runs(a) == 1 && runs(b) == 1 && runs(c) == 1; }, 5s));
  const std::string queued_after = enqueue(R"({"sleep_ms":10})", "d");
  worker.signal(SIGTERM);
  ASSERT_TRUE(worker.wait_exit(8s).has_value());
  EXPECT_EQ(worker.exit_code(), 0);
  for (const auto& job : {a, b, c}) {
    EXPECT_EQ(status(job), "done");
    EXPECT_EQ(effects(job), 1);
  }
  // Not started once stopping: left for the next worker, untouched.
  EXPECT_EQ(runs(queued_after), 0);
  start_worker();
  ASSERT_TRUE(wait_status(queued_after, "done"));
  EXPECT_EQ(effects(queued_after), 1);
}

TEST_F(JobsInFlight, PastTheGraceEveryJobInFlightIsLeftPendingAndFinishedElsewhere) {
  ChildProcess& first =
      start_worker({"--jobs-in-flight", "3", "--shutdown-grace", "300ms", "--lease", "10s"});
  const std::string a = enqueue(R"({"sleep_ms":4000,"sleep_times":1})", "a");
  const std::string b = enqueue(R"({"sleep_ms":4000,"sleep_times":1})", "b");
  const std::string c = enqueue(R"({"sleep_ms":4000,"sleep_times":1})", "c");
  ASSERT_TRUE(wait_until([&] { return runs(a) == 1 && runs(b) == 1 && runs(c) == 1; }, 5s));
  first.signal(SIGTERM);
  ASSERT_TRUE(first.wait_exit(3s).has_value());
  EXPECT_EQ(first.exit_code(), 75);  // kExitAbandoned
  EXPECT_EQ(pending(), 3);           // none acked
  for (const auto& job : {a, b, c}) {
    EXPECT_EQ(status(job), "running");
    EXPECT_EQ(effects(job), 0);
  }
  // Every lease was released: a new worker takes all three without waiting out the 10 s lease.
  start_worker({"--jobs-in-flight", "3", "--lease", "10s"});
  for (const auto& job : {a, b, c}) {
    ASSERT_TRUE(wait_status(job, "done", 5s));
    EXPECT_EQ(effects(job), 1);
    EXPECT_EQ(runs(job), 2);
  }
}

TEST_F(JobsInFlight, AFailingJobDoesNotSinkTheOthersInFlight) {
  start_worker({"--jobs-in-flight", "4", "--max-attempts", "2"});
  const std::string slow_a = enqueue(R"({"sleep_ms":1000})", "a");
  const std::string thrower = enqueue(R"({"outcome":"throw","error":"boom"})", "t");
  const std::string dead = enqueue(R"({"outcome":"dead","error":"refused"})", "d");
  const std::string slow_b = enqueue(R"({"sleep_ms":1000})", "b");
  ASSERT_TRUE(wait_status(dead, "dead"));
  ASSERT_TRUE(wait_status(thrower, "dead"));  // retried once, then out of attempts
  ASSERT_TRUE(wait_status(slow_a, "done"));
  ASSERT_TRUE(wait_status(slow_b, "done"));
  EXPECT_EQ(effects(slow_a), 1);
  EXPECT_EQ(effects(slow_b), 1);
  EXPECT_EQ(runs(slow_a), 1);  // not re-run because another lane's job failed
  EXPECT_EQ(runs(slow_b), 1);
  EXPECT_EQ(runs(thrower), 2);
  EXPECT_EQ(effects(thrower) + effects(dead), 0);
}

TEST_F(JobsInFlight, EachJobInFlightKeepsItsOwnLease) {
  // Jobs run 4 leases long: without renewals another worker would take them over.
  start_worker({"--jobs-in-flight", "3", "--lease", "300ms"});
  const std::string a = enqueue(R"({"sleep_ms":1200})", "a");
  const std::string b = enqueue(R"({"sleep_ms":1200})", "b");
  const std::string c = enqueue(R"({"sleep_ms":1200})", "c");
  ASSERT_TRUE(wait_until([&] { return runs(a) == 1 && runs(b) == 1 && runs(c) == 1; }, 5s));
  start_worker({"--lease", "300ms"});  // a second worker that would reclaim expired leases
  for (const auto& job : {a, b, c}) {
    ASSERT_TRUE(wait_status(job, "done"));
    EXPECT_EQ(runs(job), 1) << "the lease of " << job << " expired while it ran";
    EXPECT_EQ(effects(job), 1);
  }
}

}  // namespace
}  // namespace patchq::testing
