// The Darwin JSON 2.0 webhook payload V7 would send for an item (shape of
// tests/data/v7/webhook_v2.json): one image slot whose source file URL is the simulator's
// API download URL, no annotations (tests add their own). For a multi-slot item, the slots
// are given: image slots take their file from a stored item, others (video, pdf, dicom) name
// a file that is not served.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name);

struct PayloadSlot {
  std::string slot_name;
  std::string type = "image";
  std::optional<Item> file;  // an image slot's stored file (width, height, upload id)
};

// `item` names the payload's item (its id, name, path); `slots` are its slots in order;
// `annotations` is the minified JSON list, or nullopt for a stage with include_annotations
// off (no "annotations" key).
std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name, const std::vector<PayloadSlot>& slots,
                           const std::optional<std::string>& annotations);

}  // namespace patchq::v7sim
