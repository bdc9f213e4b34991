// JSON nesting guard: simdjson On-Demand does not bound nesting depth itself, so the parser
// scans the text once for brackets outside strings before parsing. The scan is exact for valid
// JSON; on invalid JSON it may under- or over-count, which is harmless because simdjson refuses
// that input anyway.
#pragma once

#include <cstddef>
#include <string_view>

namespace patchq::webhook {

// True when arrays/objects in `json` nest deeper than `max_depth` levels.
bool nesting_exceeds(std::string_view json, std::size_t max_depth);

}  // namespace patchq::webhook
