#include "common/patchjob/patch_job_flags.hpp"

namespace patchq::patchjob {

void add_patch_job_flags(config::FlagSet& flags, PatchJobFlags& values) {
  v7::add_v7_flags(flags, values.v7);
  patch::add_tile_flags(flags, values.tiles);
  storage::add_storage_flags(flags, values.storage);
  flags
      .add_string("tile-path", &values.tile_path, "PATCHQ_TILE_PATH",
                  "folder of each tile's item in the target dataset; placeholders {item_path} "
                  "{item_name} {item_stem} {item_id} {source_dataset} {annotation_name} "
                  "{annotation_id}")
      .add_string("tile-tags", &values.tile_tags, "PATCHQ_TILE_TAGS",
                  "comma-separated tags for each tile's item, same placeholders; empty: none");
}

Result<PatchJobConfig> to_patch_job_config(const PatchJobFlags& values) {
  if (auto valid = v7::validate(values.v7); !valid) return valid.error();
  if (auto valid = storage::validate(values.storage); !valid) return valid.error();
  auto tiles = patch::to_tile_options(values.tiles);
  if (!tiles) return tiles.error();
  tiles->log_skips = true;
  if (auto valid = check_template(values.tile_path); !valid) {
    return fail("--tile-path: " + valid.error().reason);
  }
  auto tags = parse_tag_templates(values.tile_tags);
  if (!tags) return fail("--tile-tags: " + tags.error().reason);
  return PatchJobConfig{values.v7, std::move(*tiles), values.storage,
                        ProvenanceOptions{values.tile_path, std::move(*tags)}};
}

}  // namespace patchq::patchjob
