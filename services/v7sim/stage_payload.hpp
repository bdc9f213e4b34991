// The webhook payload the stand-in makes for an item it stores, as a V7 stage would send it,
// multi-slot included (POST /_sim/stage with "item", POST /_sim/items/{id}/payload):
//   {"item_id": "<the item>",
//    "slots": [{"slot_name": "L", "item_id": "<a stored image>"},    // image slot: its file
//              {"slot_name": "V", "type": "video"}],                  // other types: no file
//    "annotations": [...],            // default []
//    "include_annotations": true}     // false: no "annotations" key, as V7 sends it then
// Without "slots", the item's own one image slot. The payload's item (id, name, path,
// dataset) is `item_id`'s; the guesses it makes are in docs/V7SIM.md.
#pragma once

#include <string>
#include <string_view>

#include "common/result/result.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

// At most this many slots in a generated payload.
inline constexpr std::size_t kMaxPayloadSlots = 64;

Result<std::string> generated_payload(std::string_view spec_json, const SimStore& store,
                                      const SimUrls& urls, std::string_view team_name);

}  // namespace patchq::v7sim
