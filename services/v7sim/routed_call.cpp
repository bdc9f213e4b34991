// Path segments for routing: see routed_call.hpp. Segments are split before decoding, so an
// encoded '/' (%2F) stays inside its segment (item names may hold one).
#include "services/v7sim/routed_call.hpp"

namespace patchq::v7sim {

std::optional<std::vector<std::string>> path_segments(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i <= target.size()) {
    const std::size_t end = std::min(target.find('/', i), target.size());
    auto segment = http::percent_decode(target.substr(i, end - i), false);
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    i = end + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

}  // namespace patchq::v7sim
