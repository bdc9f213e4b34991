// patchq-worker refuses unusable settings at start, before forking any worker process.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string stderr_text;
};

RunResult run_worker(const std::vector<std::string>& args, std::map<std::string, std::string> env) {
  ChildProcess worker(binary_path("patchq-worker"), args, std::move(env));
  RunResult run;
  if (worker.wait_exit(std::chrono::seconds(20))) run.exit_code = worker.exit_code().value_or(-1);
  run.stderr_text = worker.stderr_text();
  return run;
}

TEST(WorkerCli, RefusesToStartWithoutAV7ApiKey) {
  const RunResult run = run_worker({"--processes", "2"}, {{"V7_API_KEY", ""}, {"V7_KEY", ""}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("no V7 API key"), std::string::npos) << run.stderr_text;
}

TEST(WorkerCli, RefusesAnUnknownTileFormat) {
  const RunResult run = run_worker({"--processes", "2", "--format", "gif"}, {{"V7_API_KEY", "k"}});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("--format must be png, jpeg or webp, got 'gif'"),
            std::string::npos)
      << run.stderr_text;
}

// SIGPIPE is ignored in the supervisor and so in every forked worker: a peer closing its socket
// mid-write must not kill a worker (seen once after a Redis restart during a job).
TEST(WorkerCli, WorkerProcessesIgnoreSigpipe) {
  ChildProcess worker(binary_path("patchq-worker"),
                      {"--processes", "1", "--redis", "redis://127.0.0.1:1/0"},
                      {{"V7_API_KEY", "k"}});
  // Polled: the mask is set early in main(), an instant after exec.
  std::string ignored_mask;
  const auto sigpipe_ignored = [&] {
    std::ifstream status("/proc/" + std::to_string(worker.pid()) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("SigIgn:", 0) == 0) ignored_mask = line.substr(7);
    }
    return !ignored_mask.empty() &&
           (std::stoull(ignored_mask, nullptr, 16) & (1ull << (SIGPIPE - 1))) != 0;
  };
  EXPECT_TRUE(wait_until(sigpipe_ignored, std::chrono::seconds(10))) << "SigIgn:" << ignored_mask;
}

// The jobs each process runs at once when --jobs-in-flight is left alone, as its start line
// says ("" when no worker started within the time).
std::string jobs_in_flight_at_start(std::vector<std::string> args,
                                    std::map<std::string, std::string> env = {}) {
  args.insert(args.end(), {"--processes", "1", "--redis", "redis://127.0.0.1:1/0"});
  env["V7_API_KEY"] = "k";
  ChildProcess worker(binary_path("patchq-worker"), args, env);
  const std::string key = "\"jobs_in_flight\":";
  std::string found;
  wait_until(
      [&] {
        const std::string logs = worker.stdout_text() + worker.stderr_text();
        const auto started = logs.find("\"worker_started\"");
        if (started == std::string::npos) return false;
        const auto at = logs.find(key, started);
        if (at == std::string::npos) return false;
        const auto digits = logs.substr(at + key.size());
        found = digits.substr(0, digits.find_first_not_of("0123456789"));
        return true;
      },
      std::chrono::seconds(15));
  return found;
}

TEST(WorkerCli, EachUploadModeHasItsOwnJobsInFlightDefault) {
  EXPECT_EQ(jobs_in_flight_at_start({}), "8");  // direct, the default mode
  EXPECT_EQ(jobs_in_flight_at_start({"--upload-mode", "register"}), "1");
  EXPECT_EQ(jobs_in_flight_at_start({}, {{"PATCHQ_JOBS_IN_FLIGHT", "3"}}), "3");
}

TEST(WorkerCli, HelpListsTheHandlersFlagsNextToTheQueueFlags) {
  ChildProcess worker(binary_path("patchq-worker"), {"--help"});
  ASSERT_TRUE(worker.wait_exit(std::chrono::seconds(20)));
  EXPECT_EQ(worker.exit_code(), 0);
  const std::string help = worker.stdout_text();
  for (const char* flag : {"--lease", "--upload-concurrency", "--v7-api-url", "--create-target",
                           "--format", "--keywords", "--max-pixels"}) {
    EXPECT_NE(help.find(std::string("  ") + flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace patchq::testing
