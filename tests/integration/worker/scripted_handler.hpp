// ScriptedHandler: the job handler of patchq-worker-testbed. The job's payload says what the
// run does, so integration tests drive the real supervisor and job loop through Redis alone:
//
//   {"script": {"sleep_ms": 3000,        sleep before the outcome (ignores stop requests)
//               "sleep_times": 1,        ... only during the first N runs (default: every run)
//               "outcome": "done",       done | retry | dead | throw
//               "tiles": 4, "error": "503 from V7", "retry_after_ms": 500,
//               "crash": true,           abort() the process (no core file)...
//               "crash_times": 2,        ... only during the first N runs (default: every run)
//               "succeed_flag": "k"}}    while Redis key k exists: outcome done regardless
//
// Effects, written to Redis for the tests to count (keys are not prefixed):
//   testbed:runs:<job>     INCR at the start of every run
//   testbed:running:<job>  the pid of the process that started the latest run
//   testbed:effects:<job>  INCR when a run returns done: "exactly once in effect" means 1
//   testbed:pids           SADD of every worker process that built a handler
//   testbed:upload_concurrency  the value the handler was configured with
//   testbed:jobs_in_flight      the worker's --jobs-in-flight once settled
#pragma once

#include "services/worker/worker_config.hpp"

namespace patchq::testing {

queue::JobHandler make_scripted_handler(const worker::WorkerConfig& config);

}  // namespace patchq::testing
