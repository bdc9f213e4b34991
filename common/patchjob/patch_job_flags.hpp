// PatchJobFlags: the job handler's settings as flags — the V7 client's (common/v7) and the
// patch engine's (common/patch) — turned into a validated PatchJobConfig.
#pragma once

#include "common/config/flag_set.hpp"
#include "common/patch/decoded_budget_flags.hpp"
#include "common/patch/tile_flags.hpp"
#include "common/patchjob/patch_job_handler.hpp"
#include "common/result/result.hpp"

namespace patchq::patchjob {

struct PatchJobFlags {
  v7::V7ClientConfig v7;
  patch::TileFlags tiles;
  storage::StorageConfig storage;
  std::string tile_path = ProvenanceOptions{}.path_template;
  std::string tile_tags = "{annotation_name},source:{item_name}";
  bool carry_annotations = false;
  // patchq-worker's process-wide decode memory (registered by the worker, not here).
  patch::DecodedBudgetFlags decoded_budget;
};

void add_patch_job_flags(config::FlagSet& flags, PatchJobFlags& values);
// The validated config, or the reason a flag is unusable.
Result<PatchJobConfig> to_patch_job_config(const PatchJobFlags& values);

}  // namespace patchq::patchjob
