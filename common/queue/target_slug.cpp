// Target slug validation (see target_slug.hpp).
#include "common/queue/target_slug.hpp"

namespace patchq::queue {

Status check_slug(std::string_view slug, std::string_view what) {
  const std::string name(what);
  if (slug.empty()) return fail(name + ": must not be empty");
  if (slug.size() > kMaxSlugLength) {
    return fail(name + ": longer than " + std::to_string(kMaxSlugLength) + " characters");
  }
  if (slug.front() == '.' || slug.front() == '-') {
    return fail(name + ": must start with a letter, a digit or '_'");
  }
  for (const char c : slug) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return fail(name + ": only letters, digits, '-', '_' and '.' are allowed");
  }
  return ok_status();
}

}  // namespace patchq::queue
