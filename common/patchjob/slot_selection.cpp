// See slot_selection.hpp.
#include "common/patchjob/slot_selection.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace patchq::patchjob {
namespace {

// The item without its annotations, cut from `slot`.
webhook::Item view_of(const webhook::Item& item, const webhook::ImageSlot& slot) {
  webhook::Item view;
  view.shape = item.shape;
  view.team_slug = item.team_slug;
  view.dataset_slug = item.dataset_slug;
  view.item_id = item.item_id;
  view.name = item.name;
  view.path = item.path;
  view.slot = slot;
  view.image_slots = item.image_slots;
  view.unsupported_reason = item.unsupported_reason;
  view.annotations_included = item.annotations_included;
  return view;
}

std::optional<std::size_t> slot_index(const std::vector<webhook::ImageSlot>& slots,
                                      const std::string& name) {
  if (name.empty()) return slots.empty() ? std::nullopt : std::optional<std::size_t>(0);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].slot_name == name) return i;
  }
  return std::nullopt;
}

std::string quoted(const std::string& text) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7F) ? '?' : text[i];
  }
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

SlotSelection select_slots(const webhook::Item& item, const patch::PatchNameRules& names) {
  SlotSelection out;
  // An Item built by hand may name only its one `slot`.
  const std::vector<webhook::ImageSlot> slots =
      item.image_slots.empty() && !item.slot.file_url.empty()
          ? std::vector<webhook::ImageSlot>{item.slot}
          : item.image_slots;
  std::vector<std::optional<std::size_t>> view_of_slot(slots.size());
  for (const webhook::Annotation& annotation : item.annotations) {
    if (patch::classify_patch_name(annotation.name, names).kind == patch::PatchNameKind::not_patch)
      continue;
    const auto slot = slot_index(slots, annotation.slot_name);
    if (!slot) {
      out.skipped.push_back({annotation.id, annotation.name,
                             "names slot " + quoted(annotation.slot_name) +
                                 ", which is not an image slot of the item"});
      continue;
    }
    if (!view_of_slot[*slot]) {
      view_of_slot[*slot] = out.views.size();
      out.views.push_back(view_of(item, slots[*slot]));
    }
    out.views[*view_of_slot[*slot]].annotations.push_back(annotation);
  }
  // Payload order of the slots, not of their first annotation.
  std::vector<webhook::Item> ordered;
  ordered.reserve(out.views.size());
  for (const auto& index : view_of_slot) {
    if (index) ordered.push_back(std::move(out.views[*index]));
  }
  out.views = std::move(ordered);
  return out;
}

}  // namespace patchq::patchjob
