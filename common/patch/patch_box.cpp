// See patch_box.hpp. All math after rounding is in int64; inputs are clamped before the
// double -> integer conversion so even out-of-contract values cannot cause UB.
#include "common/patch/patch_box.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

namespace patchq::patch {
namespace {

constexpr double kEdgeLimit = 1e12;  // far beyond any image, far below int64's range

std::int64_t round_edge(double v) {
  if (!(v == v)) v = 0;  // NaN (never from the parser) -> 0 rather than UB
  v = std::clamp(v, -kEdgeLimit, kEdgeLimit);
  return static_cast<std::int64_t>(std::floor(v + 0.5));
}

struct Span {
  std::int64_t lo;
  std::int64_t hi;
};

// Shifts [lo, hi) inside [0, extent) when it fits, clips it otherwise.
// Precondition: the span overlaps [0, extent).
Span place_span(Span s, std::int64_t extent) {
  const std::int64_t size = s.hi - s.lo;
  if (size > extent) return Span{std::max<std::int64_t>(s.lo, 0), std::min(s.hi, extent)};
  if (s.lo < 0) return Span{0, size};
  if (s.hi > extent) return Span{extent - size, extent};
  return s;
}

std::string image_text(ImageSize image) {
  return std::to_string(image.width) + "x" + std::to_string(image.height);
}

}  // namespace

BoxPlacement place_box(const webhook::Geometry& geometry, ImageSize image, const BoxRules& rules) {
  if (image.width <= 0 || image.height <= 0) return {std::nullopt, "the image is empty"};
  Span xs{};
  Span ys{};
  if (const auto* box = std::get_if<webhook::BoundingBox>(&geometry)) {
    xs = Span{round_edge(box->x), round_edge(box->x + box->w)};
    ys = Span{round_edge(box->y), round_edge(box->y + box->h)};
  } else if (const auto* point = std::get_if<webhook::Keypoint>(&geometry)) {
    const std::int64_t side = std::clamp<std::int64_t>(rules.keypoint_size, 1, 1 << 20);
    const double half = static_cast<double>(side) / 2.0;
    xs.lo = round_edge(point->x - half);
    ys.lo = round_edge(point->y - half);
    xs.hi = xs.lo + side;
    ys.hi = ys.lo + side;
  } else {
    return {std::nullopt, "has no bounding box or keypoint"};
  }
  if (xs.hi <= xs.lo || ys.hi <= ys.lo) {
    return {std::nullopt, "box is empty after rounding its edges to whole pixels"};
  }
  if (xs.hi <= 0 || xs.lo >= image.width || ys.hi <= 0 || ys.lo >= image.height) {
    return {std::nullopt, "box lies entirely outside the " + image_text(image) + " image"};
  }
  xs = place_span(xs, image.width);
  ys = place_span(ys, image.height);
  return {PixelRect{xs.lo, ys.lo, xs.hi - xs.lo, ys.hi - ys.lo}, {}};
}

}  // namespace patchq::patch
