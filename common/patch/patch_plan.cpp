// See patch_plan.hpp.
#include "common/patch/patch_plan.hpp"

#include <unordered_set>

#include "common/patch/tile_grid.hpp"

namespace patchq::patch {

PatchPlan plan_patches(const webhook::Item& item, ImageSize image, const PatchRules& rules) {
  PatchPlan plan;
  std::unordered_set<std::string_view> ids;
  for (const webhook::Annotation& annotation : item.annotations) {
    const PatchName name = classify_patch_name(annotation.name, rules.names);
    if (name.kind == PatchNameKind::not_patch) continue;
    const auto skip = [&](std::string reason) {
      plan.skipped.push_back({annotation.id, annotation.name, std::move(reason)});
    };
    if (name.kind == PatchNameKind::malformed) {
      skip(name.reason);
      continue;
    }
    // Only a patch annotation is held to its values; any other may be as partial as it likes.
    if (!annotation.problem.empty()) {
      skip(annotation.problem);
      continue;
    }
    if (annotation.id.size() > rules.max_id_bytes) {
      skip("annotation id is longer than " + std::to_string(rules.max_id_bytes) + " bytes");
      continue;
    }
    if (ids.contains(annotation.id)) {
      skip("another patch annotation has the same id (tile names would collide)");
      continue;
    }
    const BoxPlacement placed = place_box(annotation.geometry, image, rules.boxes);
    if (!placed.box) {
      skip(placed.reason);
      continue;
    }
    if (auto checked = check_grid(*placed.box, name.grid); !checked) {
      skip(checked.error().reason);
      continue;
    }
    const std::int64_t tiles = std::int64_t{name.grid.rows} * name.grid.cols;
    if (plan.tile_count + tiles > rules.max_tiles) {
      skip("the item would exceed the limit of " + std::to_string(rules.max_tiles) + " tiles");
      continue;
    }
    ids.insert(annotation.id);
    plan.tile_count += tiles;
    plan.patches.push_back({annotation.id, annotation.name, *placed.box, name.grid});
  }
  return plan;
}

}  // namespace patchq::patch
