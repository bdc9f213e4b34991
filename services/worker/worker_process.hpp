// run_worker_process: one worker process, wired: shutdown watcher (signals, grace), lease
// keeper, retry forwarder, metrics endpoint, and the job loop on the calling thread.
// Returns the process exit code: 0 after a clean drain, 1 when it could not start (bad
// handler, metrics address taken). A shutdown that outlives its grace exits from the watcher
// with kExitAbandoned instead.
#pragma once

#include "services/worker/worker_config.hpp"

namespace patchq::worker {

int run_worker_process(const WorkerConfig& config, const HandlerFactory& make_handler);

}  // namespace patchq::worker
