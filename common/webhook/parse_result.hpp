// ParseResult: either a parsed Item or a one-line reason why the payload was refused.
// Errors are values: nothing in the parser throws past its API. The reason names the field path
// and what was wrong with it, e.g. "annotations[2].bounding_box.w: expected a number in
// [0, 1e+09], got -3".
#pragma once

#include "common/result/result.hpp"
#include "common/webhook/item.hpp"

namespace patchq::webhook {

using ParseResult = Result<Item>;

}  // namespace patchq::webhook
