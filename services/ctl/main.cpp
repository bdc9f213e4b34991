// patchqctl: operator's tool for the job queue (stats, job records, dead letters, manual
// enqueue). Parses the command line, connects, runs one command, prints its result.
#include <csignal>
#include <cstdio>

#include "common/queue/job_queue.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/ctl_command_line.hpp"

using namespace patchq;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error to report, not a reason to die
  const ctl::CommandLine cl = ctl::parse_command_line(argc, argv);
  if (cl.status == ctl::CommandLine::Status::help) {
    std::fputs(cl.message.c_str(), stdout);
    return ctl::kExitOk;
  }
  if (cl.status == ctl::CommandLine::Status::error) {
    std::fprintf(stderr, "%s\n", cl.message.c_str());
    return ctl::kExitUsage;
  }
  const auto endpoint = redis::parse_redis_url(cl.options.redis_url);
  if (!endpoint) {
    std::fprintf(stderr, "patchqctl: --redis: %s\n", endpoint.error().reason.c_str());
    return ctl::kExitUsage;
  }
  redis::SyncClient client(
      {*endpoint, std::chrono::milliseconds(3000), std::chrono::milliseconds(10000)});
  const queue::KeySchema keys(cl.options.prefix);
  const ctl::CommandInput input{client, keys, cl.options, cl.args};
  ctl::CommandResult result;
  try {
    switch (cl.command) {
      case ctl::Command::stats:
        result = ctl::run_stats(input);
        break;
      case ctl::Command::job:
        result = ctl::run_job(input);
        break;
      case ctl::Command::payload:
        result = ctl::run_payload(input);
        break;
      case ctl::Command::dead_list:
        result = ctl::run_dead_list(input);
        break;
      case ctl::Command::dead_retry:
        result = ctl::run_dead_retry(input);
        break;
      case ctl::Command::dead_purge:
        result = ctl::run_dead_purge(input);
        break;
      case ctl::Command::enqueue:
        result = ctl::run_enqueue(input);
        break;
      case ctl::Command::watch:
        result = ctl::run_watch(input);
        break;
      case ctl::Command::enqueue_export:
        result = ctl::run_enqueue_export(input);
        break;
    }
  } catch (const redis::ConnectionError& e) {
    std::fprintf(stderr, "patchqctl: Redis unreachable: %s\n", e.what());
    return ctl::kExitRedis;
  } catch (const queue::QueueError& e) {
    std::fprintf(stderr, "patchqctl: %s\n", e.what());
    return ctl::kExitRedis;
  }
  std::fputs(result.out.c_str(), stdout);
  std::fputs(result.err.c_str(), stderr);
  return result.exit_code;
}
