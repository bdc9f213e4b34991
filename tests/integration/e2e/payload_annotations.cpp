// Payload annotations (see payload_annotations.hpp).
#include "tests/integration/e2e/payload_annotations.hpp"

#include <simdjson.h>

#include <stdexcept>

#include "tests/support/temp_dir.hpp"

namespace patchq::e2e {

std::string with_annotations(std::string_view payload, std::string_view annotations_json) {
  simdjson::dom::parser annotations_parser;
  const simdjson::padded_string annotations_text(annotations_json);
  simdjson::dom::array annotations;
  if (annotations_parser.parse(annotations_text).get(annotations) != simdjson::SUCCESS) {
    throw std::runtime_error("annotations are not a JSON array");
  }
  simdjson::dom::parser parser;
  const simdjson::padded_string text(payload);
  simdjson::dom::object object;
  if (parser.parse(text).get(object) != simdjson::SUCCESS) {
    throw std::runtime_error("payload is not a JSON object: " + std::string(payload));
  }
  std::string out = "{";
  bool replaced = false;
  for (const auto field : object) {
    // Darwin JSON keys are plain identifiers; anything needing escapes would be a surprise.
    if (field.key.find_first_of("\"\\") != std::string_view::npos) {
      throw std::runtime_error("unexpected payload key: " + std::string(field.key));
    }
    if (out.size() > 1) out += ',';
    out += '"';
    out += field.key;
    out += "\":";
    if (field.key == "annotations") {
      out += simdjson::minify(annotations);
      replaced = true;
    } else {
      out += simdjson::minify(field.value);
    }
  }
  if (!replaced) {
    if (out.size() > 1) out += ',';
    out += "\"annotations\":" + simdjson::minify(annotations);
  }
  out += '}';
  return out;
}

std::string sample_annotations() {
  const std::string sample =
      testing::read_file(testing::source_path("tests/data/v7/webhook_v2.json"));
  simdjson::dom::parser parser;
  const simdjson::padded_string text(sample);
  simdjson::dom::element doc;
  simdjson::dom::array annotations;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS ||
      doc["annotations"].get(annotations) != simdjson::SUCCESS) {
    throw std::runtime_error("webhook_v2.json has no annotations array");
  }
  return simdjson::minify(annotations);
}

std::string grid_annotation(const std::string& id, int rows, int cols, double x, double y, double w,
                            double h) {
  const std::string name = "patch (" + std::to_string(rows) + "x" + std::to_string(cols) + ")";
  return "{\"id\":\"" + id + "\",\"name\":\"" + name +
         "\",\"slot_names\":[\"0\"],\"bounding_box\":{\"x\":" + std::to_string(x) +
         ",\"y\":" + std::to_string(y) + ",\"w\":" + std::to_string(w) +
         ",\"h\":" + std::to_string(h) + "}}";
}

}  // namespace patchq::e2e
