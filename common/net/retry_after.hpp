// Retry-After: the header a server sends with 429/503 to say when to come back, either as
// delta-seconds ("120") or as an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"). Parsed into a
// non-negative wait so callers never have to know which form arrived.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace patchq::net {

// nullopt for an absent or unparsable value; a date in the past gives zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace patchq::net
