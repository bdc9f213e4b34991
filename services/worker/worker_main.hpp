// worker_main: the whole of patchq-worker's main() (flags, logging, supervisor or single
// process), shared with the test worker so both run exactly the same wiring and differ only
// in the job handler they plug in.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/config/flag_set.hpp"
#include "common/result/result.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

struct WorkerProgram {
  std::string name = "patchq-worker";
  std::string summary;
  // Builds the job handler in each worker process. Empty: the program refuses to start.
  HandlerFactory make_handler;
  // Optional: adds the handler's own flags (bound to the handler's own config).
  std::function<void(config::FlagSet&)> add_handler_flags;
  // Optional: checks the handler's flags once parsed; a failure exits 2 before forking.
  std::function<Status()> check_handler_flags;
  // Optional: --jobs-in-flight when the flag is left at 0 (after check_handler_flags), e.g.
  // more for a handler whose jobs mostly wait. Empty: 1.
  std::function<std::int64_t()> default_jobs_in_flight;
};

// Exit codes: 0 drained after SIGTERM, 1 could not start, 2 usage error (message on stderr).
int worker_main(int argc, const char* const* argv, const WorkerProgram& program);

}  // namespace patchq::worker
