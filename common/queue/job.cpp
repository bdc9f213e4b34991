// JobContext: the stop probe and per-stage timing a handler sees while it runs a job.
#include "common/queue/job.hpp"

namespace patchq::queue {

std::string_view to_string(JobOutcome::Kind kind) {
  switch (kind) {
    case JobOutcome::Kind::done:
      return "done";
    case JobOutcome::Kind::retry:
      return "retry";
    case JobOutcome::Kind::dead:
      return "dead";
  }
  return "unknown";
}

JobContext::JobContext(StopProbe stop_probe, StageSink stage_sink)
    : stop_probe_(std::move(stop_probe)), stage_sink_(std::move(stage_sink)) {}

bool JobContext::stop_requested() const {
  return stop_probe_ && stop_probe_();
}

void JobContext::record_stage(std::string_view name, std::chrono::nanoseconds duration) {
  {
    std::lock_guard lock(mutex_);
    bool found = false;
    for (auto& [stage, total] : stages_) {
      if (stage == name) {
        total += duration;
        found = true;
        break;
      }
    }
    if (!found) stages_.emplace_back(std::string(name), duration);
  }
  if (stage_sink_) stage_sink_(name, duration);
}

std::vector<std::pair<std::string, std::chrono::nanoseconds>> JobContext::stages() const {
  std::lock_guard lock(mutex_);
  return stages_;
}

}  // namespace patchq::queue
