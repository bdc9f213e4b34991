// patchq-worker-testbed: patchq-worker's exact wiring (worker_main) with the scripted job
// handler, for the integration tests. Never deployed.
#include "services/worker/worker_main.hpp"
#include "tests/integration/worker/scripted_handler.hpp"

int main(int argc, char** argv) {
  patchq::worker::WorkerProgram program;
  program.name = "patchq-worker-testbed";
  program.summary = "patchq-worker with a scripted job handler (tests only).";
  program.make_handler = patchq::testing::make_scripted_handler;
  return patchq::worker::worker_main(argc, argv, program);
}
