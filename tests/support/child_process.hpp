// ChildProcess: runs one of patchq's binaries (or any program) for a test, with its stdout and
// stderr captured to files, and kills it on destruction so no test leaves processes behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace patchq::testing {

class ChildProcess {
 public:
  // `program` is a path; `env` entries are added to (or override) the test's environment.
  ChildProcess(std::filesystem::path program, std::vector<std::string> args,
               std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  bool running();
  // Waits for exit; returns the raw wait status, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Exit code when it exited normally; -signal when killed by a signal; nullopt while running.
  std::optional<int> exit_code();

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int free_port();

}  // namespace patchq::testing
