// The annotations patchq carries from an item into its tiles, in the item's pixel coordinates
// (or a tile's, once clipped): boxes, polygons with every path, keypoints and item-level tags.
// A polygon's paths follow V7's even-odd rule: the first is the outline, later ones are holes
// or further parts; a point is inside when an odd number of paths encloses it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace patchq::annotations {

struct Point {
  double x = 0;
  double y = 0;
  bool operator==(const Point&) const = default;
};

using Path = std::vector<Point>;  // closed implicitly: the last point joins the first

struct Box {
  double x = 0;  // top-left corner and size, as Darwin JSON writes them
  double y = 0;
  double w = 0;
  double h = 0;
  bool operator==(const Box&) const = default;
};

enum class ShapeKind { bounding_box, polygon, keypoint, tag };

struct CarriedAnnotation {
  std::string id;
  std::string name;  // the annotation class's name
  std::vector<std::string> slot_names;
  ShapeKind kind = ShapeKind::tag;
  Box box;                  // bounding_box; for a polygon, the bounds of its filled region
  std::vector<Path> paths;  // polygon
  Point keypoint;           // keypoint
  // Sub-annotations kept as V7 sent them: key ("attributes", "text", "instance_id") and the
  // value's minified JSON.
  std::vector<std::pair<std::string, std::string>> subs;
};

}  // namespace patchq::annotations
