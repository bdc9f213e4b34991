// Object-storage emulators for the storage tests, each a real server from the npm packages of
// tests/storage-emulators (installed by scripts/ensure-node-deps, which the ctest fixture
// storage.emulator_deps runs first):
//   - S3rverServer: s3rver, an S3 server that checks access key ids and SigV4 signatures
//     (the S3RVER/S3RVER key pair), with one bucket configured at start;
//   - AzuriteServer: azurite's blob service, with its well-known dev account, which checks
//     Shared Key and SAS signatures.
// Each runs on a free loopback port with a temporary data directory, is waited for by polling
// until it answers HTTP, and is killed (its files removed) on destruction.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {

// A node-based emulator process: started from tests/storage-emulators/node_modules/.bin.
class EmulatorProcess {
 public:
  // `args` may hold "{port}" and "{dir}", replaced by the chosen port and the data directory.
  EmulatorProcess(std::string program, std::vector<std::string> args);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  int port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  // Stops it (SIGKILL): later calls find nothing listening on the port.
  void kill();
  std::string output() const;  // its stdout and stderr, for failure messages

 private:
  void start(const std::string& program, std::vector<std::string> args);
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

class S3rverServer {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";
  explicit S3rverServer(const std::string& bucket);
  int port() const { return process_.port(); }
  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  // Where it keeps objects: "<dir>/<bucket>/<key>._S3rver_object" (so tests see real keys).
  const std::filesystem::path& data_dir() const { return process_.dir().path(); }
  void kill() { process_.kill(); }
  std::string output() const { return process_.output(); }

 private:
  EmulatorProcess process_;
};

class AzuriteServer {
 public:
  static constexpr const char* kAccount = "devstoreaccount1";
  // azurite's documented development key (public, not a secret).
  static constexpr const char* kAccountKey =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  AzuriteServer();
  int port() const { return process_.port(); }
  // The blob endpoint, account in the path: "http://127.0.0.1:<port>/devstoreaccount1".
  std::string blob_endpoint() const;
  void kill() { process_.kill(); }
  std::string output() const { return process_.output(); }

 private:
  EmulatorProcess process_;
};

}  // namespace patchq::testing
