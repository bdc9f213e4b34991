// The real job handler's wiring for patchq-worker: its flags (V7 client and patch engine) and
// the factory that builds one PatchJobHandler per worker process, after fork, so HTTP
// connection pools and encoding threads are never shared across processes.
#pragma once

#include "common/config/flag_set.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

// Registers the handler's flags; the values live until the process exits.
void add_patch_handler_flags(config::FlagSet& flags);
// The reason the handler's flags are unusable, or empty.
std::string check_patch_handler_flags();
// Builds the handler for one worker process (throws with a clear message on bad settings).
queue::JobHandler make_patch_handler(const WorkerConfig& config);

}  // namespace patchq::worker
