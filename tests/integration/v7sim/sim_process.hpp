// SimProcess: runs build/bin/patchq-v7sim for a test on a free loopback port (--listen
// 127.0.0.1:0, the port read from its {"event":"listening","port":N} stdout line) and offers
// the calls tests make: V7 API calls with the key, control calls, and calls to full URLs the
// simulator handed out. Reusable by other suites: add this .cpp to their SOURCES.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/http_call.hpp"

namespace patchq::v7sim::testing {

struct SimOptions {
  std::string api_key = "sim-test-key";
  std::string team = "sim-team";
  std::filesystem::path data_dir;  // empty: the simulator's own temp dir
  std::vector<std::string> extra_args;
};

inline SimOptions with_args(std::vector<std::string> args) {
  SimOptions o;
  o.extra_args = std::move(args);
  return o;
}
inline SimOptions in_dir(std::filesystem::path dir) {
  SimOptions o;
  o.data_dir = std::move(dir);
  return o;
}

class SimProcess {
 public:
  // Starts the simulator and waits (up to 10 s) until it listens; throws if it does not.
  explicit SimProcess(SimOptions options = {});

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const SimOptions& options() const { return options_; }
  patchq::testing::ChildProcess& process() { return *process_; }

  // A V7 API call with "Authorization: ApiKey <key>" (the configured key unless given).
  patchq::testing::HttpReply api(const std::string& method, const std::string& target,
                                 const std::string& body = "",
                                 std::optional<std::string> key = std::nullopt) const;
  // A call without credentials (control API, storage).
  patchq::testing::HttpReply call(const std::string& method, const std::string& target,
                                  const std::string& body = "",
                                  std::map<std::string, std::string> headers = {}) const;
  // A call to a full http://127.0.0.1:<port>/... URL the simulator handed out.
  patchq::testing::HttpReply call_url(const std::string& method, const std::string& url,
                                      const std::string& body = "",
                                      std::map<std::string, std::string> headers = {}) const;

  // Stops it with SIGTERM and returns its exit code (nullopt when it did not exit in 10 s).
  std::optional<int> stop();

 private:
  SimOptions options_;
  std::unique_ptr<patchq::testing::ChildProcess> process_;
  int port_ = 0;
};

// "http://host:port/path?q" -> port and target ("/path?q"); {0, ""} when not such a URL.
std::pair<int, std::string> split_url(const std::string& url);

// A small PNG of the given size (OpenCV-encoded), for image uploads.
std::string make_png(int width, int height);

}  // namespace patchq::v7sim::testing
