// Request-target parsing: "/path?k=v&k2" -> path and query map, both percent-decoded.
// Invariants: the path starts with '/'; '+' means a space in the query only (form encoding),
// never in the path; a repeated query key keeps its first value; a '#fragment' is ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::http {

struct Target {
  std::string path;
  std::map<std::string, std::string> query;
};

// nullopt for a malformed escape ('%' not followed by two hex digits) or a target that is not
// in origin form (does not start with '/').
std::optional<Target> parse_target(std::string_view target);

// Percent-decodes one component; `plus_is_space` for query keys and values. nullopt on a
// malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Percent-encodes everything but RFC 3986 unreserved characters (for building URLs).
std::string percent_encode(std::string_view text);

}  // namespace patchq::http
