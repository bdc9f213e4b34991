// Patch planning: an Item and the image size -> the patches to cut (PatchSpec), plus a reason
// for every patch-named annotation that cannot be cut. Pure: no I/O, no logging, so the
// receiver can preview an item from the slot size and the worker can plan from the decoded
// image. Annotations whose names are not patch names are ignored (not "skipped"), whatever
// their values; a patch annotation with an unusable value (Annotation::problem) is skipped.
// Invariants: every PatchSpec's box lies inside the image and its grid fits the box; no two
// PatchSpecs share an annotation id; the total tile count never exceeds max_tiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/patch/patch_box.hpp"
#include "common/patch/patch_name.hpp"
#include "common/patch/pixel_rect.hpp"
#include "common/webhook/item.hpp"

namespace patchq::patch {

struct PatchRules {
  PatchNameRules names;
  BoxRules boxes;
  std::int64_t max_tiles = 10'000;  // per item; later patches are skipped beyond it
  std::size_t max_id_bytes = 64;    // keeps tile names under file-name limits
};

struct PatchSpec {
  std::string annotation_id;
  std::string annotation_name;
  PixelRect box;
  GridSize grid;
};

struct SkippedAnnotation {
  std::string annotation_id;
  std::string annotation_name;
  std::string reason;
};

struct PatchPlan {
  std::vector<PatchSpec> patches;  // in annotation order
  std::vector<SkippedAnnotation> skipped;
  std::int64_t tile_count = 0;
};

PatchPlan plan_patches(const webhook::Item& item, ImageSize image, const PatchRules& rules);

// One bounded line about skipped patch annotations, for a job record or a log line:
//   "3 patch annotations skipped: 2 x <reason>; 1 x <reason>; e.g. <id> \"<name>\": <reason>"
// with at most `max_reasons` reasons (most frequent first, then "and N more reasons") and
// `max_examples` examples; names and reasons are cut so the line stays short whatever the
// payload held. Empty when nothing was skipped.
std::string summarise_skips(const std::vector<SkippedAnnotation>& skipped,
                            std::size_t max_reasons = 5, std::size_t max_examples = 3);

}  // namespace patchq::patch
