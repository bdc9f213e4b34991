// Worker flags: every --flag of patchq-worker with its PATCHQ_* environment fallback, bound to
// a WorkerConfig, and the checks that run once they are parsed.
#pragma once

#include <string>

#include "common/config/flag_set.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

void add_worker_flags(config::FlagSet& flags, WorkerConfig& config);

// Parses the Redis URL and checks the values against each other. Returns the reason a user
// reads when something is wrong, or an empty string.
std::string finish_worker_config(WorkerConfig& config);

}  // namespace patchq::worker
