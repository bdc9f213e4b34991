// patchq-worker: takes jobs from the Redis queue and runs the patch job handler on them (fetch
// the item's image from V7, cut the patches, upload the tiles); see docs/QUEUE.md. Flags and
// wiring live in worker_main.cpp (shared with the test worker); this file only chooses the
// job handler.
#include "services/worker/patch_handler_factory.hpp"
#include "services/worker/worker_main.hpp"

int main(int argc, char** argv) {
  using patchq::worker::WorkerConfig;
  patchq::patchjob::PatchJobFlags handler_flags;  // read by every worker process it forks
  patchq::worker::WorkerProgram program;
  program.name = "patchq-worker";
  program.summary =
      "Runs V7 image-patch jobs from the Redis queue: one supervisor, N worker processes.";
  program.make_handler = [&handler_flags](const WorkerConfig& config) {
    return patchq::worker::make_patch_handler(handler_flags, config);
  };
  program.add_handler_flags = [&handler_flags](patchq::config::FlagSet& flags) {
    patchq::worker::add_patch_handler_flags(flags, handler_flags);
  };
  program.check_handler_flags = [&handler_flags] {
    return patchq::worker::check_patch_handler_flags(handler_flags);
  };
  program.default_jobs_in_flight = [&handler_flags] {
    return patchq::worker::default_jobs_in_flight(handler_flags);
  };
  return patchq::worker::worker_main(argc, argv, program);
}
