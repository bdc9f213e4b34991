#include "common/patchjob/patch_job_flags.hpp"

namespace patchq::patchjob {

void add_patch_job_flags(config::FlagSet& flags, PatchJobFlags& values) {
  v7::add_v7_flags(flags, values.v7);
  patch::add_tile_flags(flags, values.tiles);
  storage::add_storage_flags(flags, values.storage);
}

Result<PatchJobConfig> to_patch_job_config(const PatchJobFlags& values) {
  if (auto valid = v7::validate(values.v7); !valid) return valid.error();
  if (auto valid = storage::validate(values.storage); !valid) return valid.error();
  auto tiles = patch::to_tile_options(values.tiles);
  if (!tiles) return tiles.error();
  tiles->log_skips = true;
  return PatchJobConfig{values.v7, std::move(*tiles), values.storage};
}

}  // namespace patchq::patchjob
