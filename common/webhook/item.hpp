// Item: the typed view of one V7 webhook delivery that the patch engine works from.
// Invariants once produced by parse_payload: every string that is required (slugs, item id,
// name, file url) is non-empty valid UTF-8; every coordinate is finite and within
// ±kMaxCoordinate; every size is finite, >= 0 and <= kMaxCoordinate; slot width/height, when
// present, are within 1..kMaxSlotSide. Nothing here refers back to the JSON buffer.
// Annotations are read leniently: one whose values are unusable keeps the first reason in
// `problem` (its other fields as far as they were read), so that an annotation patchq does not
// act on can never sink the item; the planner refuses patch annotations that have a problem.
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

// No geometry (a tag, or a shape without a bounding_box, polygon or keypoint): never a patch.
struct NoGeometry {};

using Geometry = std::variant<NoGeometry, BoundingBox, Keypoint>;

struct Annotation {
  std::string id;    // empty when the payload had none (then `problem` says so)
  std::string name;  // empty when absent: never a patch
  // A polygon without a bounding_box gets the box around every point of its paths.
  Geometry geometry;
  std::string slot_name{};  // the first of `slot_names`; empty: the item's first image slot
  std::string
      problem{};  // set when a value was unusable, e.g. "annotations[2].bounding_box.w: ..."
};

// One image slot of the item.
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
  // The image slot this Item is cut from: the first image slot as parsed. The worker cuts a
  // multi-slot item as one view of the Item per slot (common/patchjob/slot_selection.hpp).
  ImageSlot slot;
  // Every image slot, in payload order (legacy: the one file). More than one: tile names carry
  // the slot name. Slots of other types (video, pdf, dicom, ...) are not kept.
  std::vector<ImageSlot> image_slots;
  // Set when patchq cannot cut the item at all (no image slot: a video, DICOM or PDF item);
  // the receiver records such a delivery as "skipped" instead of queueing it.
  std::string unsupported_reason;
  // False when the payload carried no "annotations" key (stage set to include_annotations=false).
  bool annotations_included = true;
  std::vector<Annotation> annotations;
};

}  // namespace patchq::webhook
