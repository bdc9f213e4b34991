// enqueue-export's flags (see enqueue_export_flags.hpp).
#include "services/ctl/enqueue_export_flags.hpp"

#include <cmath>
#include <cstdlib>

namespace patchq::ctl {

void add_enqueue_export_flags(config::FlagSet& flags, EnqueueExportOptions& o) {
  flags
      .add_bool("dry-run", &o.dry_run, "",
                "enqueue-export: only count items, patch annotations and expected tiles")
      .add_string("rate", &o.rate, "PATCHQ_BACKFILL_RATE",
                  "enqueue-export: jobs a second (default: half of --v7-rate at 2 V7 calls a job)")
      .add_int("stop-after", &o.stop_after, "",
               "enqueue-export: stop after this many new jobs (0: none); the next run goes on", 0,
               INT64_MAX)
      .add_bool("restart", &o.restart, "", "enqueue-export: forget the cursor, start from the top")
      .add_bool("resolve-urls", &o.resolve_urls, "",
                "enqueue-export: get missing or expired image URLs from V7 (needs an API key)")
      .add_duration("url-margin", &o.url_margin, "",
                    "enqueue-export: a URL expiring sooner than this counts as expired")
      .add_duration("progress-every", &o.progress_every, "",
                    "enqueue-export: a progress line this often when stderr is not a terminal")
      .add_bytes("max-file-bytes", &o.max_file_bytes, "",
                 "enqueue-export: larger export files are reported bad");
  patch::add_patch_rule_flags(flags, o.patch_rules);
  v7::add_v7_flags(flags, o.v7, v7::V7FlagScope::api_calls);
}

double default_rate(const v7::V7ClientConfig& v7) {
  return static_cast<double>(v7.rate_per_minute) / 60.0 * kBackfillBudgetShare / kV7CallsPerJob;
}

Result<double> jobs_per_second(const EnqueueExportOptions& o) {
  if (o.rate.empty()) return default_rate(o.v7);
  char* end = nullptr;
  const double rate = std::strtod(o.rate.c_str(), &end);
  if (end == o.rate.c_str() || *end != '\0' || !std::isfinite(rate) || rate <= 0 || rate > 10000) {
    return fail("--rate must be a number of jobs a second in (0, 10000], got '" + o.rate + "'");
  }
  return rate;
}

}  // namespace patchq::ctl
