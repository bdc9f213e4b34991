// patchqctl's commands: each reads or changes the queue through common/queue and returns its
// output and exit code, so main.cpp only parses, connects and prints.
// Exit codes: 0 ok, 1 not found or refused, 2 usage error, 3 Redis unreachable or failing
// (enqueue-export also: 1 some export files bad or without a usable URL, 130 interrupted).
#pragma once

#include <string>
#include <vector>

#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"
#include "services/ctl/ctl_command_line.hpp"

namespace patchq::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRedis = 3;

struct CommandResult {
  int exit_code = kExitOk;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

struct CommandInput {
  redis::SyncClient& client;
  const queue::KeySchema& keys;
  const CtlOptions& options;
  const std::vector<std::string>& args;
};

CommandResult run_stats(const CommandInput& in);
CommandResult run_job(const CommandInput& in);
// The job's webhook payload as JSON (stored compressed; see common/queue/payload_codec.hpp).
CommandResult run_payload(const CommandInput& in);
CommandResult run_dead_list(const CommandInput& in);
CommandResult run_dead_retry(const CommandInput& in);
CommandResult run_dead_purge(const CommandInput& in);
CommandResult run_enqueue(const CommandInput& in);
// Live view; prints its frames itself and returns once interrupted (or after one with --once).
CommandResult run_watch(const CommandInput& in);
// Backfill: every item of a Darwin JSON export as a job (enqueue_export_command.cpp).
CommandResult run_enqueue_export(const CommandInput& in);

}  // namespace patchq::ctl
