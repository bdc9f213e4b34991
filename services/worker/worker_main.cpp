// worker_main: flags -> WorkerConfig -> one worker process, or a supervisor of N.
#include "services/worker/worker_main.hpp"

#include <csignal>
#include <cstdio>

#include "common/obs/log.hpp"
#include "services/worker/supervisor.hpp"
#include "services/worker/worker_flags.hpp"
#include "services/worker/worker_process.hpp"

namespace patchq::worker {

int worker_main(int argc, const char* const* argv, const WorkerProgram& program) {
  // A peer that closed its socket (Redis restarting, V7 or storage cutting a connection) makes
  // a write fail with EPIPE, which every caller handles; the default SIGPIPE would instead kill
  // the process mid-job. Set before any fork, so every worker process inherits it.
  std::signal(SIGPIPE, SIG_IGN);
  WorkerConfig config;
  config::FlagSet flags(program.name, program.summary);
  add_worker_flags(flags, config);
  if (program.add_handler_flags) program.add_handler_flags(flags);
  const config::ParseResult parsed = flags.parse(argc, argv);
  if (auto code = config::exit_code_after_parse(parsed)) return *code;
  if (!parsed.positional.empty()) {
    std::fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", program.name.c_str(),
                 parsed.positional.front().c_str());
    return 2;
  }
  if (const Status finished = finish_worker_config(config); !finished) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program.name.c_str(),
                 finished.error().reason.c_str());
    return 2;
  }
  if (program.check_handler_flags) {
    // Before any fork: a bad handler setting is a usage error, not a crash loop of children.
    if (const Status checked = program.check_handler_flags(); !checked) {
      std::fprintf(stderr, "%s: %s (see --help)\n", program.name.c_str(),
                   checked.error().reason.c_str());
      return 2;
    }
  }
  if (!program.make_handler) {
    std::fprintf(stderr,
                 "%s: this build has no job handler; plug one in through "
                 "WorkerProgram::make_handler in services/worker/main.cpp\n",
                 program.name.c_str());
    return 1;
  }
  if (config.jobs_in_flight == 0) {
    config.jobs_in_flight = program.default_jobs_in_flight ? program.default_jobs_in_flight() : 1;
  }
  obs::set_log_level_named(config.log_level);
  obs::set_log_service(program.name);

  if (config.processes == 1) return run_worker_process(config, program.make_handler);

  SupervisorOptions options;
  options.processes = static_cast<int>(config.processes);
  options.kill_after = config.shutdown_grace + std::chrono::seconds(10);
  return run_supervisor(options, [&config, &program](int slot) {
    WorkerConfig mine = config;
    mine.slot = slot;
    return run_worker_process(mine, program.make_handler);
  });
}

}  // namespace patchq::worker
