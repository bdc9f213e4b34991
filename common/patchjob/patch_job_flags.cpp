#include "common/patchjob/patch_job_flags.hpp"

namespace patchq::patchjob {

void add_patch_job_flags(config::FlagSet& flags, PatchJobFlags& values) {
  v7::add_v7_flags(flags, values.v7);
  patch::add_tile_flags(flags, values.tiles);
  storage::add_storage_flags(flags, values.storage);
  flags.add_bool("carry-annotations", &values.carry_annotations, "PATCHQ_CARRY_ANNOTATIONS",
                 "import the item's other annotations, clipped, onto each tile (one V7 call a "
                 "tile with any; storage mode also writes each tile's Darwin JSON beside it)");
}

Result<PatchJobConfig> to_patch_job_config(const PatchJobFlags& values) {
  if (auto valid = v7::validate(values.v7); !valid) return valid.error();
  if (auto valid = storage::validate(values.storage); !valid) return valid.error();
  auto tiles = patch::to_tile_options(values.tiles);
  if (!tiles) return tiles.error();
  tiles->log_skips = true;
  return PatchJobConfig{values.v7, std::move(*tiles), values.storage, values.carry_annotations};
}

}  // namespace patchq::patchjob
