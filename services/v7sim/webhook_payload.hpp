// The Darwin JSON 2.0 webhook payload V7 would send for an item (shape of
// tests/data/v7/webhook_v2.json): one image slot whose source file URL is the simulator's
// API download URL, no annotations (tests add their own).
#pragma once

#include <string>
#include <string_view>

#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

std::string darwin_payload(const Item& item, const Dataset& dataset, const SimUrls& urls,
                           std::string_view team_name);

}  // namespace patchq::v7sim
