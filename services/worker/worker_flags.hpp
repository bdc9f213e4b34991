// Worker flags: every --flag of patchq-worker with its PATCHQ_* environment fallback, bound to
// a WorkerConfig, and the checks that run once they are parsed.
#pragma once

#include <string>

#include "common/config/flag_set.hpp"
#include "common/result/result.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

void add_worker_flags(config::FlagSet& flags, WorkerConfig& config);

// Parses the Redis URL and the metrics address and checks the values against each other:
// ok, or the reason a user reads.
Status finish_worker_config(WorkerConfig& config);

}  // namespace patchq::worker
