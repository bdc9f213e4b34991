// Target slug validation (see target_slug.hpp).
#include "services/receiver/target_slug.hpp"

namespace patchq::receiver {

std::optional<std::string> slug_problem(std::string_view slug, std::string_view what) {
  const std::string name(what);
  if (slug.empty()) return name + ": must not be empty";
  if (slug.size() > kMaxSlugLength) {
    return name + ": longer than " + std::to_string(kMaxSlugLength) + " characters";
  }
  if (slug.front() == '.' || slug.front() == '-') {
    return name + ": must start with a letter, a digit or '_'";
  }
  for (const char c : slug) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return name + ": only letters, digits, '-', '_' and '.' are allowed";
  }
  return std::nullopt;
}

}  // namespace patchq::receiver
