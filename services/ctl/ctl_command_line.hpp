// patchqctl's command line: which command, its arguments, and the flags it accepts.
//   patchqctl [--redis URL] [--prefix P] stats [--json]
//   patchqctl job <id> [--json]
//   patchqctl payload <id>
//   patchqctl dead list [--limit N] [--json]
//   patchqctl dead retry <id> | --all
//   patchqctl dead purge
//   patchqctl watch [--once] [--interval D] [--json]
//   patchqctl enqueue --payload FILE --target SLUG [--item-id ID] [--delivery-id ID]
//   patchqctl enqueue-export <folder|zip> --target SLUG [flags in enqueue_export_flags.hpp]
// Each command accepts only its own flags (plus --redis and --prefix, with PATCHQ_REDIS_URL
// and PATCHQ_PREFIX fallbacks); anything else is a usage error naming the flag.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "services/ctl/enqueue_export_flags.hpp"

namespace patchq::ctl {

enum class Command {
  stats,
  job,
  payload,
  dead_list,
  dead_retry,
  dead_purge,
  enqueue,
  enqueue_export,
  watch
};

struct CtlOptions {
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string prefix = "patchq:";
  bool json = false;
  std::int64_t limit = 100;
  bool all = false;
  std::string payload_file;
  std::string target;
  std::string item_id;
  std::string delivery_id;
  bool once = false;
  std::chrono::milliseconds interval{2000};
  EnqueueExportOptions export_options;
};

struct CommandLine {
  enum class Status { ok, help, error } status = Status::ok;
  std::string message;  // help text or the usage error
  Command command = Command::stats;
  std::vector<std::string> args;  // the command's positional arguments (a job id)
  CtlOptions options;
};

CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace patchq::ctl
