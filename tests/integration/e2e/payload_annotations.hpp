// Payload annotations: the stand-in hands out an item's webhook payload with `annotations: []`;
// the tests put annotations into it the way a V7 annotator would have drawn them. The payload
// is re-serialised from simdjson's DOM field by field, so everything but the annotations stays
// what the stand-in wrote.
#pragma once

#include <string>
#include <string_view>

namespace patchq::e2e {

// `payload` (a JSON object) with its "annotations" replaced by `annotations_json` (a JSON
// array). Throws std::runtime_error when either is not what it should be.
std::string with_annotations(std::string_view payload, std::string_view annotations_json);

// The "annotations" array of tests/data/v7/webhook_v2.json, as minified JSON.
std::string sample_annotations();

// One "patch (<rows>x<cols>)" bounding box annotation, as a JSON object.
std::string grid_annotation(const std::string& id, int rows, int cols, double x, double y, double w,
                            double h);

}  // namespace patchq::e2e
