// The real job handler's wiring for patchq-worker: its flags (V7 client and patch engine) and
// the factory that builds one PatchJobHandler per worker process, after fork, so HTTP
// connection pools and encoding threads are never shared across processes. The flag values
// are a PatchJobFlags that patchq-worker's main() owns.
#pragma once

#include "common/config/flag_set.hpp"
#include "common/patchjob/patch_job_flags.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

// Registers the handler's flags, bound to `values` (which must outlive the parse).
void add_patch_handler_flags(config::FlagSet& flags, patchjob::PatchJobFlags& values);
// ok, or the reason the handler's flags are unusable.
Status check_patch_handler_flags(const patchjob::PatchJobFlags& values);
// Builds the handler for one worker process (throws with a clear message on bad settings).
queue::JobHandler make_patch_handler(const patchjob::PatchJobFlags& values,
                                     const WorkerConfig& config);

}  // namespace patchq::worker
