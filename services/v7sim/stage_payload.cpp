#include "services/v7sim/stage_payload.hpp"

#include <simdjson.h>

#include <set>

#include "services/v7sim/webhook_payload.hpp"

namespace patchq::v7sim {
namespace {

Result<PayloadSlot> slot_of(simdjson::dom::element spec, const SimStore& store) {
  PayloadSlot slot;
  std::string_view text;
  if (spec["slot_name"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    return fail("each slot needs a non-empty slot_name");
  }
  slot.slot_name = std::string(text);
  if (spec["type"].get_string().get(text) == simdjson::SUCCESS) slot.type = std::string(text);
  if (slot.type.empty()) return fail("slot " + slot.slot_name + ": type is empty");
  if (slot.type != "image") return slot;
  if (spec["item_id"].get_string().get(text) != simdjson::SUCCESS) {
    return fail("image slot " + slot.slot_name + " needs the item_id of a stored image");
  }
  slot.file = store.item(text);
  if (!slot.file) return fail("image slot " + slot.slot_name + ": no item " + std::string(text));
  return slot;
}

}  // namespace

Result<std::string> generated_payload(std::string_view spec_json, const SimStore& store,
                                      const SimUrls& urls, std::string_view team_name) {
  simdjson::dom::parser parser;
  simdjson::dom::object spec;
  if (parser.parse(spec_json.data(), spec_json.size()).get_object().get(spec) !=
      simdjson::SUCCESS) {
    return fail("item must be a JSON object");
  }
  std::string_view item_id;
  if (spec["item_id"].get_string().get(item_id) != simdjson::SUCCESS) {
    return fail("item.item_id is required");
  }
  const auto item = store.item(item_id);
  if (!item) return fail("no item " + std::string(item_id));
  const auto dataset = store.dataset(item->dataset_slug);
  if (!dataset) return fail("no dataset " + item->dataset_slug);

  std::vector<PayloadSlot> slots;
  simdjson::dom::array list;
  if (spec["slots"].get_array().get(list) == simdjson::SUCCESS) {
    if (list.size() == 0 || list.size() > kMaxPayloadSlots) {
      return fail("slots must list 1.." + std::to_string(kMaxPayloadSlots) + " slots");
    }
    std::set<std::string> names;
    for (simdjson::dom::element e : list) {
      auto slot = slot_of(e, store);
      if (!slot) return slot.error();
      if (!names.insert(slot->slot_name).second) {
        return fail("slot name " + slot->slot_name + " is used twice");
      }
      slots.push_back(std::move(slot).value());
    }
  } else {
    slots.push_back(PayloadSlot{item->slot_name, "image", *item});
  }

  bool include = true;
  if (simdjson::dom::element flag; spec["include_annotations"].get(flag) == simdjson::SUCCESS &&
                                   flag.get_bool().get(include) != simdjson::SUCCESS) {
    return fail("include_annotations must be true or false");
  }
  std::optional<std::string> annotations;
  if (include) {
    annotations = "[]";
    if (simdjson::dom::element given; spec["annotations"].get(given) == simdjson::SUCCESS) {
      if (!given.is_array()) return fail("annotations must be a list");
      annotations = simdjson::minify(given);
    }
  }
  return darwin_payload(*item, *dataset, urls, team_name, slots, annotations);
}

}  // namespace patchq::v7sim
