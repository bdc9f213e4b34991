// The flags of `patchqctl enqueue-export` (registered by ctl_command_line) and their defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/config/flag_set.hpp"
#include "common/patch/tile_flags.hpp"
#include "common/result/result.hpp"
#include "common/v7/client_config.hpp"

namespace patchq::ctl {

// A backfill takes this share of the fleet's V7 budget (--v7-rate), the rest is left to live
// webhooks, and a job costs about this many V7 calls: the image download from V7's API and one
// direct_upload call for up to 30 MB of tiles (docs/OPERATIONS.md, "Backfill").
inline constexpr double kBackfillBudgetShare = 0.5;
inline constexpr double kV7CallsPerJob = 2.0;

struct EnqueueExportOptions {
  bool dry_run = false;
  std::string rate;             // jobs a second; empty: derived from the V7 budget (default_rate)
  std::int64_t stop_after = 0;  // 0: no limit
  bool restart = false;
  bool resolve_urls = false;
  std::chrono::milliseconds url_margin{std::chrono::hours(1)};
  std::chrono::milliseconds progress_every{std::chrono::seconds(10)};
  std::uint64_t max_file_bytes = 4u << 20;  // the receiver's body limit
  patch::TileFlags patch_rules;             // for --dry-run's figures
  v7::V7ClientConfig v7;                    // for --resolve-urls
};

void add_enqueue_export_flags(config::FlagSet& flags, EnqueueExportOptions& options);

// Jobs a second when --rate is not given: the backfill's share of --v7-rate.
double default_rate(const v7::V7ClientConfig& v7);
// --rate's value (or the default), or why it is not a number in (0, 10000].
Result<double> jobs_per_second(const EnqueueExportOptions& options);

}  // namespace patchq::ctl
