// Target slug: which dataset a job's tiles go to, as named in ?target= (or, when absent, the
// item's own dataset). V7 dataset slugs are lower-case letters, digits and hyphens; patchq also
// allows '_' and '.', and upper-case letters, to take slugs from older or hand-made datasets.
// Invariant: an accepted slug is 1..128 characters from [A-Za-z0-9._-], does not start with
// '.' or '-', and so is safe in Redis keys, logs and V7 URL paths without escaping.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::queue {

inline constexpr std::size_t kMaxSlugLength = 128;

// ok when `slug` is acceptable; else the reason (mentioning `what`, e.g. "target").
Status check_slug(std::string_view slug, std::string_view what);

}  // namespace patchq::queue
