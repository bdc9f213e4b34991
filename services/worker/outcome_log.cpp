// OutcomeLog (see outcome_log.hpp).
#include "services/worker/outcome_log.hpp"

#include "common/obs/log.hpp"

namespace patchq::worker {
namespace {

double to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

void log_job_outcome(const OutcomeLog& o) {
  obs::LogLine line(o.warn ? obs::Level::warn : obs::Level::info, "job_outcome");
  line.field("job_id", o.job_id);
  if (!o.item_id.empty()) line.field("item_id", o.item_id);
  if (!o.target.empty()) line.field("target", o.target);
  line.field("outcome", o.outcome);
  if (o.tiles) line.field("tiles", *o.tiles);
  line.field("attempt", o.attempt).field("deliveries", o.deliveries);
  if (o.duration) line.field("duration_ms", to_ms(*o.duration));
  for (const auto& [stage, total] : o.stages) line.field(stage + "_ms", to_ms(total));
  if (!o.error.empty()) line.field("error", o.error);
  if (o.retry_in) line.field("retry_in_ms", static_cast<std::int64_t>(o.retry_in->count()));
  if (!o.reason.empty()) line.field("reason", o.reason);
}

}  // namespace patchq::worker
