// Readiness: what a worker process says on GET /readyz. Components that must be working
// before the process is worth sending jobs to (today: the storage of storage mode) register
// a reason while they are not; /readyz answers 200 "ready" when no reason is set, else 503
// with one line per reason. Process-wide and thread-safe; state set before a fork is
// inherited by the worker processes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace patchq::worker {

void set_not_ready(std::string_view component, std::string reason);
void set_ready(std::string_view component);
// "<component>: <reason>" for each component that is not ready, sorted by component.
std::vector<std::string> not_ready_reasons();

}  // namespace patchq::worker
