// patchq-worker refuses unusable settings at start, before forking any worker process.
#include <gtest/gtest.h>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

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
