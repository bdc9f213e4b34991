// OutcomeLog: the one "job_outcome" log line a run of a job ends with, whoever decided it (the
// job loop after the handler, the reclaimer burying a poison job). Operators and tests grep
// for it, so its fields are written here only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace patchq::worker {

struct OutcomeLog {
  bool warn = false;  // warn for retry and dead, info otherwise
  std::string_view job_id;
  std::string_view outcome;  // done | retry | dead | lease_lost
  int attempt = 0;           // 1-based
  int deliveries = 0;
  // Known only when the job ran (absent or empty: left out of the line).
  std::string_view item_id;
  std::string_view target;
  std::optional<std::int64_t> tiles;
  std::optional<std::chrono::nanoseconds> duration;
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> stages;  // "<stage>_ms" each
  std::string_view error;
  std::optional<std::chrono::milliseconds> retry_in;
  std::string_view reason;  // dead letter reason
};

void log_job_outcome(const OutcomeLog& o);

}  // namespace patchq::worker
