#include "common/patchjob/patch_job_flags.hpp"

namespace patchq::patchjob {

void add_patch_job_flags(config::FlagSet& flags, PatchJobFlags& values) {
  v7::add_v7_flags(flags, values.v7);
  patch::add_tile_flags(flags, values.tiles);
  storage::add_storage_flags(flags, values.storage);
}

std::optional<PatchJobConfig> to_patch_job_config(const PatchJobFlags& values, std::string* error) {
  if (auto why = v7::validate(values.v7)) {
    if (error) *error = *why;
    return std::nullopt;
  }
  if (auto storage_ok = storage::validate(values.storage); !storage_ok) {
    if (error) *error = storage_ok.error().reason;
    return std::nullopt;
  }
  auto tiles = patch::to_tile_options(values.tiles, error);
  if (!tiles) return std::nullopt;
  tiles->log_skips = true;
  return PatchJobConfig{values.v7, std::move(*tiles), values.storage};
}

}  // namespace patchq::patchjob
