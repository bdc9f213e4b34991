// patchq-worker: takes jobs from the Redis queue and runs the job handler on them; see
// docs/QUEUE.md. Flags and wiring live in worker_main.cpp (shared with the test worker); this
// file only chooses the job handler.
#include "services/worker/worker_main.hpp"

int main(int argc, char** argv) {
  patchq::worker::WorkerProgram program;
  program.name = "patchq-worker";
  program.summary =
      "Runs V7 image-patch jobs from the Redis queue: one supervisor, N worker processes.";
  // The job handler. When the V7 tiling handler lands, this is the line to change:
  //   program.make_handler = patchq::tile::make_job_handler;  // JobHandler(const WorkerConfig&)
  // (and its flags, if any: program.add_handler_flags = patchq::tile::add_handler_flags;)
  program.make_handler = nullptr;
  return patchq::worker::worker_main(argc, argv, program);
}
