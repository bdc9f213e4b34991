// AnnotationReader: the annotations of a webhook payload that patchq can carry into tiles,
// read from the payload JSON itself (the patch engine's Item keeps only what patches need).
// Lenient like V7's exports demand: an annotation that is not a patch and has a shape patchq
// does not carry (ellipse, line, skeleton, mask, ...) or broken fields is skipped and counted,
// never an error. Only a payload that is not JSON, or neither an object nor a list, fails.
// Bounds: at most max_annotations annotations and max_points polygon points in all; past
// either, the rest is skipped and counted (`over_limit`).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/annotations/shape.hpp"
#include "common/result/result.hpp"

namespace patchq::annotations {

struct ReadOptions {
  // Annotations for which this returns true (the patch annotations) are left out.
  std::function<bool(std::string_view name)> is_patch;
  // Only annotations on this slot are read (those naming no slot belong to every slot);
  // empty: every slot.
  std::string slot_name;
  std::size_t max_annotations = 50'000;
  std::size_t max_points = 2'000'000;
};

struct ReadResult {
  std::vector<CarriedAnnotation> annotations;  // in payload order
  std::size_t patches = 0;                     // left out: they make the tiles
  std::size_t other_slot = 0;                  // on another slot of the item
  std::size_t unknown_shape = 0;               // a shape patchq does not carry
  std::size_t malformed = 0;                   // a known shape with broken fields
  std::size_t over_limit = 0;                  // past max_annotations or max_points
};

// Darwin JSON 2.0 ("annotations": [...]), the legacy layout ("annotations": [[...], ...],
// of which the first list is the item's) and a bare list (V7's item annotations endpoint may
// answer one) are read. An object without an "annotations" key: none.
Result<ReadResult> read_annotations(std::string_view payload_json, const ReadOptions& options);

}  // namespace patchq::annotations
