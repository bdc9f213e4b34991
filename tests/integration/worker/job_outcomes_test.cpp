// Outcomes end to end: permanent failures become dead letters that `patchqctl dead retry`
// brings back; retryable failures are retried until attempts run out; handler exceptions are
// retryable; Redis outages are survived; metrics and flags reach where they should.
#include <gtest/gtest.h>

#include "tests/integration/worker/worker_fixture.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

class JobOutcomes : public WorkerFixture {
 protected:
  // Runs patchqctl against this test's Redis; returns its exit code, stdout in *out.
  int ctl(const std::vector<std::string>& args, std::string* out = nullptr) {
    std::vector<std::string> full = {"--redis", redis_.url(), "--prefix", "it:"};
    full.insert(full.end(), args.begin(), args.end());
    ChildProcess p(binary_path("patchqctl"), full);
    p.wait_exit(10s);
    if (out) *out = p.stdout_text();
    return p.exit_code().value_or(-1);
  }
};

TEST_F(JobOutcomes, APermanentErrorIsDeadAndDeadRetryBringsItBackToSucceed) {
  start_worker();
  TempDir dir;
  write_file(dir / "payload.json",
             R"({"script":{"outcome":"dead","error":"item 404","succeed_flag":"fixed"}})");
  std::string out;
  ASSERT_EQ(ctl({"enqueue", "--payload", (dir / "payload.json").string(), "--target", "ds"}, &out),
            0);
  const std::string job = out.substr(0, out.find('\n'));
  ASSERT_TRUE(wait_status(job, "dead"));
  ASSERT_EQ(ctl({"dead", "list"}, &out), 0);
  EXPECT_NE(out.find(job), std::string::npos) << out;
  EXPECT_NE(out.find("permanent"), std::string::npos) << out;
  EXPECT_NE(out.find("item 404"), std::string::npos) << out;
  EXPECT_EQ(runs(job), 1);  // permanent: no retries

  redis_.command({"SET", "fixed", "1"});
  ASSERT_EQ(ctl({"dead", "retry", job}, &out), 0);
  ASSERT_TRUE(wait_status(job, "done"));
  EXPECT_EQ(effects(job), 1);
  ASSERT_EQ(ctl({"dead", "list"}, &out), 0);
  EXPECT_EQ(out.find(job), std::string::npos) << out;
}

TEST_F(JobOutcomes, ARetryableFailureIsRetriedUntilAttemptsRunOut) {
  start_worker({"--max-attempts", "3"});
  const std::string job = enqueue(R"({"outcome":"retry","error":"503 from V7"})");
  ASSERT_TRUE(wait_status(job, "dead"));
  EXPECT_EQ(runs(job), 3);
  EXPECT_EQ(field(job, "attempts"), "3");
  EXPECT_EQ(field(job, "error"), "503 from V7");
  const auto letters = redis_.command({"XRANGE", "it:dead", "-", "+"});
  ASSERT_EQ(letters.elements.size(), 1u);
  EXPECT_EQ(letters.elements[0].elements[1].elements[3].str, "attempts_exhausted");
}

TEST_F(JobOutcomes, ARetryAfterLongerThanTheBackoffIsHonoured) {
  start_worker({"--max-attempts", "2"});
  const std::string job = enqueue(R"({"outcome":"retry","retry_after_ms":1500})");
  ASSERT_TRUE(wait_status(job, "retrying"));
  const auto due = std::stoll(field(job, "next_attempt_at"));
  const auto updated = std::stoll(field(job, "updated_at"));
  EXPECT_GE(due - updated, 1500);  // backoff alone would be <= 50 ms
  ASSERT_TRUE(wait_status(job, "dead", 6s));
  EXPECT_EQ(runs(job), 2);
}

TEST_F(JobOutcomes, AnExceptionFromTheHandlerIsARetryableFailureWithItsText) {
  start_worker({"--max-attempts", "1"});
  const std::string job = enqueue(R"({"outcome":"throw","error":"decoder exploded"})");
  ASSERT_TRUE(wait_status(job, "dead"));
  EXPECT_EQ(field(job, "error"), "handler threw: decoder exploded");
  const auto letters = redis_.command({"XRANGE", "it:dead", "-", "+"});
  ASSERT_EQ(letters.elements.size(), 1u);
  EXPECT_EQ(letters.elements[0].elements[1].elements[3].str, "attempts_exhausted");
}

TEST_F(JobOutcomes, TheWorkerRidesOutARedisOutageAndThenRunsJobs) {
  ChildProcess& worker = start_worker();
  ASSERT_TRUE(wait_until([&] { return redis_.command({"SCARD", "testbed:pids"}).integer == 1; }));
  redis_.kill();
  ASSERT_TRUE(wait_until(
      [&] { return worker.stderr_text().find("redis_unavailable") != std::string::npos; }));
  EXPECT_TRUE(worker.running());
  redis_.start();  // empty again: the worker recreates the group
  const std::string job = enqueue(R"({"tiles":2})");
  ASSERT_TRUE(wait_status(job, "done", 15s));
  EXPECT_EQ(effects(job), 1);
  EXPECT_TRUE(worker.running());
}

TEST_F(JobOutcomes, AnOutcomeThatCannotBeWrittenIsKeptUntilRedisIsBack) {
  ChildProcess& worker = start_worker({"--lease", "5s"});
  const std::string job = enqueue(R"({"sleep_ms":800,"sleep_times":1})");
  ASSERT_TRUE(wait_until([&] { return runs(job) == 1; }));
  redis_.stop();  // down across the end of the run: the handler's own write fails too (retry)
  ASSERT_TRUE(wait_until(
      [&] { return worker.stderr_text().find("outcome_write_failed") != std::string::npos; }));
  redis_.start();
  ASSERT_TRUE(wait_status(job, "done", 15s));
  EXPECT_EQ(effects(job), 1);
  EXPECT_EQ(runs(job), 2);  // the failed run was written as a retry, not lost
  EXPECT_EQ(pending(), 0);
}

TEST_F(JobOutcomes, MetricsCountOutcomesStagesAndTheQueue) {
  const int port = free_port();
  start_worker({"--metrics-listen", "127.0.0.1:" + std::to_string(port)});
  const std::string job = enqueue(R"({"tiles":2})");
  enqueue(R"({"outcome":"dead"})", "x");
  ASSERT_TRUE(wait_status(job, "done"));
  std::string body;
  ASSERT_TRUE(wait_until([&] {
    const auto reply = http_get(port, "/metrics");
    body = reply.body;
    return reply.status == 200 &&
           body.find("patchq_worker_dead_letters_total{reason=\"permanent\"} 1") !=
               std::string::npos;
  }));
  EXPECT_NE(body.find("patchq_worker_jobs_total{outcome=\"done\"} 1"), std::string::npos) << body;
  EXPECT_NE(body.find("patchq_worker_stage_duration_seconds_count{stage=\"fetch\"} 2"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("patchq_queue_dead_size 1"), std::string::npos) << body;
  EXPECT_NE(body.find("patchq_queue_depth 0"), std::string::npos) << body;
  EXPECT_NE(body.find("patchq_worker_redis_up 1"), std::string::npos) << body;
  EXPECT_EQ(http_get(port, "/nope").status, 404);
  EXPECT_EQ(http_post(port, "/metrics", "{}").status, 405);
}

TEST_F(JobOutcomes, OneJsonLogLinePerOutcomeCarriesTheJobsFacts) {
  ChildProcess& worker = start_worker();
  const std::string job = enqueue(R"({"tiles":4})", "item-42");
  ASSERT_TRUE(wait_status(job, "done"));
  std::string line;
  ASSERT_TRUE(wait_until([&] {
    const std::string log = worker.stderr_text();
    const auto at = log.find("\"event\":\"job_outcome\"");
    if (at == std::string::npos) return false;
    const auto start = log.rfind('\n', at) + 1;
    line = log.substr(start, log.find('\n', at) - start);
    return true;
  }));
  for (const std::string& part :
       {"\"job_id\":\"" + job + "\"", std::string("\"item_id\":\"item-42\""),
        std::string("\"target\":\"ds\""), std::string("\"tiles\":4"), std::string("\"attempt\":1"),
        std::string("\"outcome\":\"done\""), std::string("\"fetch_ms\":")}) {
    EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
  }
}

TEST_F(JobOutcomes, UploadConcurrencyReachesTheHandler) {
  start_worker({"--upload-concurrency", "3"});
  ASSERT_TRUE(wait_until([&] { return count("testbed:upload_concurrency") == 3; }));
}

TEST_F(JobOutcomes, BadFlagsAreRefusedWithAReasonAndExitCode2) {
  ChildProcess worker(binary_path("patchq-worker-testbed"), {"--lease", "soon"});
  ASSERT_TRUE(worker.wait_exit(5s).has_value());
  EXPECT_EQ(worker.exit_code(), 2);
  EXPECT_NE(worker.stderr_text().find("--lease"), std::string::npos);
}

}  // namespace
}  // namespace patchq::testing
