// parse_command_line: finds the command word, then parses again with only that command's
// flags so a flag that means nothing to the command is refused by name.
#include "services/ctl/ctl_command_line.hpp"

#include <functional>
#include <map>

#include "common/config/flag_set.hpp"

namespace patchq::ctl {
namespace {

constexpr const char* kSummary =
    "Inspect and operate the patchq job queue.\n\n"
    "Commands:\n"
    "  stats [--json]                 queued, pending, retrying, dead, done, consumers, lag\n"
    "  job <id> [--json]              one job's record: status, attempts, error, timings\n"
    "  payload <id>                   the job's webhook payload (JSON, decompressed)\n"
    "  dead list [--limit N] [--json] dead letters, oldest first\n"
    "  dead retry <id> | --all        send dead jobs back to the queue (fresh attempts)\n"
    "  dead purge                     delete all dead letters and their job records\n"
    "  enqueue --payload FILE --target SLUG [--item-id ID] [--delivery-id ID]\n"
    "                                 enqueue a webhook payload by hand; prints the job id\n"
    "  watch [--once] [--interval D] [--json]\n"
    "                                 live view: counts, rates, backlog ETA, recent failures\n"
    "  enqueue-export <folder|zip> --target SLUG [--dry-run] [--rate N] [--resolve-urls]\n"
    "                                 backfill: every item of a Darwin JSON 2.0 export as a\n"
    "                                 job; resumable (cursor in Redis); see docs/OPERATIONS.md\n\n"
    "Exit codes: 0 ok, 1 not found or refused (enqueue-export: some files bad or without a\n"
    "usable image URL), 2 usage error, 3 Redis unreachable or failing, 130 interrupted.";

struct CommandSpec {
  Command command;
  const char* words;  // "dead list"
  std::vector<const char*> flags;
  std::size_t min_args;
  std::size_t max_args;
};

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> specs = {
      {Command::stats, "stats", {"json"}, 0, 0},
      {Command::job, "job", {"json"}, 1, 1},
      {Command::payload, "payload", {}, 1, 1},
      {Command::dead_list, "dead list", {"json", "limit"}, 0, 0},
      {Command::dead_retry, "dead retry", {"all"}, 0, 1},
      {Command::dead_purge, "dead purge", {}, 0, 0},
      {Command::enqueue, "enqueue", {"payload", "target", "item-id", "delivery-id"}, 0, 0},
      {Command::watch, "watch", {"once", "interval", "json"}, 0, 0},
      {Command::enqueue_export, "enqueue-export", {"target", "export"}, 1, 1},
  };
  return specs;
}

// Adds the common flags and those in `only` (all when `only` is null).
config::FlagSet make_flags(CtlOptions& o, const std::vector<const char*>* only) {
  config::FlagSet flags("patchqctl", kSummary);
  flags.add_string("redis", &o.redis_url, "PATCHQ_REDIS_URL", "Redis URL")
      .add_string("prefix", &o.prefix, "PATCHQ_PREFIX", "Prefix of every Redis key");
  auto wanted = [only](const char* name) {
    if (only == nullptr) return true;
    for (const char* f : *only) {
      if (std::string(f) == name) return true;
    }
    return false;
  };
  if (wanted("json")) flags.add_bool("json", &o.json, "", "Print JSON instead of text");
  if (wanted("limit")) flags.add_int("limit", &o.limit, "", "At most this many entries", 1, 100000);
  if (wanted("all")) flags.add_bool("all", &o.all, "", "Every dead letter");
  if (wanted("payload")) flags.add_string("payload", &o.payload_file, "", "Payload file (JSON)");
  if (wanted("target")) flags.add_string("target", &o.target, "", "Target dataset slug");
  if (wanted("item-id")) flags.add_string("item-id", &o.item_id, "", "V7 item id, if known");
  if (wanted("once")) flags.add_bool("once", &o.once, "", "Print one frame and exit");
  if (wanted("interval")) {
    flags.add_duration("interval", &o.interval, "", "Time between frames (200ms to 1h)");
  }
  if (wanted("delivery-id")) {
    flags.add_string("delivery-id", &o.delivery_id, "", "Delivery id (default: manual-<job id>)");
  }
  if (wanted("export")) add_enqueue_export_flags(flags, o.export_options);
  return flags;
}

const CommandSpec* match(const std::vector<std::string>& words, std::size_t* used) {
  for (const auto& spec : command_specs()) {
    const std::string w = spec.words;
    const auto space = w.find(' ');
    if (space == std::string::npos) {
      if (!words.empty() && words[0] == w) {
        *used = 1;
        return &spec;
      }
    } else if (words.size() >= 2 && words[0] == w.substr(0, space) &&
               words[1] == w.substr(space + 1)) {
      *used = 2;
      return &spec;
    }
  }
  return nullptr;
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine out;
  std::vector<std::string> args(argv + 1, argv + argc);
  bool wants_help = false;
  for (const auto& a : args) wants_help = wants_help || a == "--help" || a == "-h";

  // Phase 1: every flag known, to find the positional words.
  CtlOptions scratch;
  auto all_flags = make_flags(scratch, nullptr);
  std::vector<std::string> without_help;
  for (const auto& a : args) {
    if (a != "--help" && a != "-h") without_help.push_back(a);
  }
  const auto first = all_flags.parse(without_help);
  if (wants_help || args.empty()) {
    out.status = CommandLine::Status::help;
    out.message = all_flags.usage();
    return out;
  }
  if (first.status == config::ParseStatus::error) {
    out.status = CommandLine::Status::error;
    out.message = first.message;
    return out;
  }
  std::size_t used = 0;
  const CommandSpec* spec = match(first.positional, &used);
  if (spec == nullptr) {
    out.status = CommandLine::Status::error;
    out.message = "patchqctl: unknown command '" +
                  (first.positional.empty() ? std::string() : first.positional[0]) +
                  "' (see --help)";
    if (!first.positional.empty() && first.positional[0] == "dead") {
      out.message = "patchqctl: 'dead' needs list, retry or purge (see --help)";
    }
    return out;
  }

  // Phase 2: only this command's flags.
  auto flags = make_flags(out.options, &spec->flags);
  const auto second = flags.parse(args);
  if (second.status == config::ParseStatus::error) {
    out.status = CommandLine::Status::error;
    out.message = second.message + " [command: " + spec->words + "]";
    return out;
  }
  out.command = spec->command;
  out.args.assign(second.positional.begin() + static_cast<std::ptrdiff_t>(used),
                  second.positional.end());
  auto usage_error = [&](std::string why) {
    out.status = CommandLine::Status::error;
    out.message = "patchqctl " + std::string(spec->words) + ": " + why + " (see --help)";
    return out;
  };
  if (out.args.size() < spec->min_args) {
    return usage_error(spec->command == Command::enqueue_export ? "needs the export folder or zip"
                                                                : "needs a job id");
  }
  if (out.args.size() > spec->max_args) return usage_error("unexpected '" + out.args.back() + "'");
  if (spec->command == Command::dead_retry && out.args.empty() == !out.options.all) {
    return usage_error("give a job id or --all (not both)");
  }
  if (spec->command == Command::watch && (out.options.interval < std::chrono::milliseconds(200) ||
                                          out.options.interval > std::chrono::hours(1))) {
    return usage_error("--interval must be between 200ms and 1h");
  }
  if (spec->command == Command::enqueue_export && out.options.target.empty()) {
    return usage_error("--target SLUG is required");
  }
  if (spec->command == Command::enqueue) {
    if (out.options.payload_file.empty()) return usage_error("--payload FILE is required");
    if (out.options.target.empty()) return usage_error("--target SLUG is required");
  }
  return out;
}

}  // namespace patchq::ctl
