#include "tests/support/storage_emulators.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "tests/support/http_call.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

std::filesystem::path emulator_binary(const std::string& name) {
  auto path = source_path("tests/storage-emulators/node_modules/.bin/" + name);
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error(name +
                             " is not installed: run scripts/ensure-node-deps "
                             "tests/storage-emulators (ctest runs it as storage.emulator_deps)");
  }
  return path;
}

// Node loads a few hundred modules before it listens: on a loaded 2-core machine that has
// taken over 15 s, so the start timeout is generous (polling ends as soon as it answers).
constexpr auto kStartTimeout = std::chrono::seconds(60);

}  // namespace

EmulatorProcess::EmulatorProcess(std::string program, std::vector<std::string> args) {
  // A port can be taken between free_port() and the emulator's bind; try a few.
  std::string last_output;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_port();
    start(program, args);
    const bool up = wait_until(
        [&] {
          if (!process_->running()) return true;
          HttpCall probe;
          probe.port = port_;
          probe.timeout = std::chrono::milliseconds(500);
          return http_call(probe).status != 0;  // any HTTP answer: it is serving
        },
        kStartTimeout, std::chrono::milliseconds(50));
    if (up && process_->running()) return;
    last_output = output();
    kill();
  }
  throw std::runtime_error(program + " did not come up: " + last_output);
}

EmulatorProcess::~EmulatorProcess() {
  kill();
}

void EmulatorProcess::start(const std::string& program, std::vector<std::string> args) {
  for (auto& arg : args) {
    if (arg == "{port}") arg = std::to_string(port_);
    if (arg == "{dir}") arg = dir_.path().string();
  }
  process_ = std::make_unique<ChildProcess>(emulator_binary(program), std::move(args));
}

void EmulatorProcess::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds(10));
}

std::string EmulatorProcess::output() const {
  return process_ ? process_->stdout_text() + process_->stderr_text() : std::string();
}

S3rverServer::S3rverServer(const std::string& bucket)
    : process_("s3rver", {"--address", "127.0.0.1", "--port", "{port}", "--silent", "--directory",
                          "{dir}", "--configure-bucket", bucket}) {}

std::string S3rverServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

AzuriteServer::AzuriteServer()
    : process_("azurite-blob",
               {"--blobHost", "127.0.0.1", "--blobPort", "{port}", "--inMemoryPersistence",
                "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"}) {}

std::string AzuriteServer::blob_endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/" + kAccount;
}

}  // namespace patchq::testing
