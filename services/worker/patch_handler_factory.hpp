// The real job handler's wiring for patchq-worker: its flags (V7 client and patch engine) and
// the factory that builds the handler of each worker process, after fork, so HTTP connection
// pools and encoding threads are never shared across processes. The handler may be called by
// up to --jobs-in-flight lanes at once; each concurrent job gets its own PatchJobHandler. The flag
// values are a PatchJobFlags that patchq-worker's main() owns.
#pragma once

#include <cstdint>

#include "common/config/flag_set.hpp"
#include "common/patchjob/patch_job_flags.hpp"
#include "services/worker/worker_config.hpp"

namespace patchq::worker {

// Registers the handler's flags, bound to `values` (which must outlive the parse).
void add_patch_handler_flags(config::FlagSet& flags, patchjob::PatchJobFlags& values);
// ok, or the reason the handler's flags are unusable.
Status check_patch_handler_flags(const patchjob::PatchJobFlags& values);
// Storage modes' --jobs-in-flight default: a storage job waits for its tiles' registration
// (the registration desk group-commits the waiting items of all jobs into one call, paced at
// 90 calls/min per key), so a process keeps tiling other jobs meanwhile and their items fill
// the same calls.
inline constexpr std::int64_t kStorageJobsInFlight = 4;
// Direct mode's: the process's jobs share their last direct_upload call (DirectUploadDesk),
// and the more jobs finish or wait for the budget together, the fewer calls a tile costs
// (measured in docs/OPERATIONS.md: 8 beat 4 and 1 under V7's budget). Register mode keeps 1:
// V7's request budget, not the process, limits it.
inline constexpr std::int64_t kDirectJobsInFlight = 8;
// --jobs-in-flight when left at 0: the mode's default above, 1 in register mode.
std::int64_t default_jobs_in_flight(const patchjob::PatchJobFlags& values);
// Builds the handler for one worker process (throws with a clear message on bad settings).
queue::JobHandler make_patch_handler(const patchjob::PatchJobFlags& values,
                                     const WorkerConfig& config);

}  // namespace patchq::worker
