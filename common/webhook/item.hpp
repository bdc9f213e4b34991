// Item: the typed view of one V7 webhook delivery that the patch engine works from.
// Invariants once produced by parse_payload: every string that is required (ids, slugs, name,
// file url) is non-empty valid UTF-8; every coordinate is finite and within
// ±kMaxCoordinate; every size is finite, >= 0 and <= kMaxCoordinate; slot width/height, when
// present, are within 1..kMaxSlotSide. Nothing here refers back to the JSON buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace patchq::webhook {

// Bounds enforced by the parser so later integer math can never overflow.
inline constexpr double kMaxCoordinate = 1e9;
inline constexpr std::uint32_t kMaxSlotSide = 1u << 20;  // OpenCV's own default width limit

enum class PayloadShape { darwin_v2, legacy_2022 };

// Top-left corner and size, in image pixels, as floats exactly as V7 sent them.
struct BoundingBox {
  double x = 0;
  double y = 0;
  double w = 0;
  double h = 0;
};

struct Keypoint {
  double x = 0;
  double y = 0;
};

// No geometry (a tag, or a shape without a bounding_box): never becomes a patch.
struct NoGeometry {};

using Geometry = std::variant<NoGeometry, BoundingBox, Keypoint>;

struct Annotation {
  std::string id;
  std::string name;
  Geometry geometry;
};

// The one image slot patchq works on (multi-slot items are rejected by the parser).
struct ImageSlot {
  std::string slot_name;               // "0" for V7's single-slot items; empty for legacy
  std::optional<std::uint32_t> width;  // absent for legacy payloads or when V7 sent null
  std::optional<std::uint32_t> height;
  std::string file_name;  // source file name as uploaded
  std::string file_url;   // where the worker downloads the image from
};

struct Item {
  PayloadShape shape = PayloadShape::darwin_v2;
  std::string team_slug;
  std::string dataset_slug;
  // V7's item id; for legacy payloads a derived stable id (see legacy_item_id).
  std::string item_id;
  std::string name;  // item name, e.g. "street_0042.jpg"
  std::string path;  // folder inside the dataset, "/" when absent
  ImageSlot slot;
  // False when the payload carried no "annotations" key (stage set to include_annotations=false).
  bool annotations_included = true;
  std::vector<Annotation> annotations;
};

}  // namespace patchq::webhook
