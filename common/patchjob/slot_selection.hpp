// Slot selection: which image of a (possibly multi-slot) item each patch annotation is cut
// from. An annotation names its slot in `slot_names` (the first one counts); one that names
// none is cut from the item's first image slot. The result is one view of the Item per image
// slot that has patch annotations (its `slot` set to that slot, its `annotations` only those
// cut from it, everything else as in the item), in payload order, so the worker downloads only
// the slots it needs and tiles each exactly like a single-slot item.
// Invariants: every patch-named annotation is either in exactly one view or in `skipped`
// (it names a slot that is not an image slot of the item, e.g. a video slot); annotations that
// are not patch names are in no view (the planner would ignore them anyway).
#pragma once

#include <vector>

#include "common/patch/patch_name.hpp"
#include "common/patch/patch_plan.hpp"
#include "common/webhook/item.hpp"

namespace patchq::patchjob {

struct SlotSelection {
  std::vector<webhook::Item> views;  // one per image slot to cut, payload order
  std::vector<patch::SkippedAnnotation> skipped;
};

SlotSelection select_slots(const webhook::Item& item, const patch::PatchNameRules& names);

}  // namespace patchq::patchjob
