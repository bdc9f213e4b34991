// Ids of carried annotations: a tile gets its own annotation, not the source's (one source
// annotation may land on many tiles). The id is a UUID (RFC 9562 version 8, name-based on
// SHA-256) of the source id, class name and tile name, so a re-run makes the same ids.
#pragma once

#include <string>
#include <string_view>

namespace patchq::annotations {

std::string carried_annotation_id(std::string_view source_id, std::string_view name,
                                  std::string_view tile_name);

}  // namespace patchq::annotations
