#include "common/annotations/tile_clip.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/annotations/carried_id.hpp"

namespace patchq::annotations {
namespace {

// One half-plane of the tile: inside(p) and where segment a-b crosses its border line.
struct Edge {
  std::function<bool(const Point&)> inside;
  std::function<Point(const Point&, const Point&)> cross;
};

Point cross_vertical(const Point& a, const Point& b, double x) {
  const double t = (x - a.x) / (b.x - a.x);
  return {x, a.y + t * (b.y - a.y)};
}

Point cross_horizontal(const Point& a, const Point& b, double y) {
  const double t = (y - a.y) / (b.y - a.y);
  return {a.x + t * (b.x - a.x), y};
}

Path clip_against(const Path& in, const Edge& edge) {
  Path out;
  if (in.empty()) return out;
  out.reserve(in.size() + 4);
  Point prev = in.back();
  bool prev_inside = edge.inside(prev);
  for (const Point& cur : in) {
    const bool cur_inside = edge.inside(cur);
    if (cur_inside != prev_inside) out.push_back(edge.cross(prev, cur));
    if (cur_inside) out.push_back(cur);
    prev = cur;
    prev_inside = cur_inside;
  }
  return out;
}

Path without_repeats(Path path) {
  Path out;
  out.reserve(path.size());
  for (const Point& p : path) {
    if (out.empty() || !(out.back() == p)) out.push_back(p);
  }
  while (out.size() > 1 && out.front() == out.back()) out.pop_back();
  return out;
}

// Even-odd: inside when a ray to +x crosses an odd number of edges of all paths.
bool inside_region(const std::vector<Path>& paths, const Point& p) {
  bool inside = false;
  for (const Path& path : paths) {
    for (std::size_t i = 0, j = path.size() - 1; i < path.size(); j = i++) {
      const Point& a = path[i];
      const Point& b = path[j];
      if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) {
        inside = !inside;
      }
    }
  }
  return inside;
}

// Liang-Barsky: the part of segment a-b inside the tile, if any.
std::optional<std::pair<Point, Point>> clip_segment(const Point& a, const Point& b,
                                                    const TileRect& r) {
  double t0 = 0;
  double t1 = 1;
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - r.x0, r.x1 - a.x, a.y - r.y0, r.y1 - a.y};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return std::nullopt;
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
    if (t0 > t1) return std::nullopt;
  }
  return std::make_pair(Point{a.x + t0 * dx, a.y + t0 * dy}, Point{a.x + t1 * dx, a.y + t1 * dy});
}

CarriedAnnotation shifted(CarriedAnnotation a, const TileRect& tile) {
  a.box.x -= tile.x0;
  a.box.y -= tile.y0;
  a.keypoint.x -= tile.x0;
  a.keypoint.y -= tile.y0;
  for (Path& path : a.paths) {
    for (Point& p : path) {
      p.x -= tile.x0;
      p.y -= tile.y0;
    }
  }
  return a;
}

}  // namespace

Path clip_path(const Path& path, const TileRect& r) {
  const Edge edges[4] = {
      {[&](const Point& p) { return p.x >= r.x0; },
       [&](const Point& a, const Point& b) { return cross_vertical(a, b, r.x0); }},
      {[&](const Point& p) { return p.x <= r.x1; },
       [&](const Point& a, const Point& b) { return cross_vertical(a, b, r.x1); }},
      {[&](const Point& p) { return p.y >= r.y0; },
       [&](const Point& a, const Point& b) { return cross_horizontal(a, b, r.y0); }},
      {[&](const Point& p) { return p.y <= r.y1; },
       [&](const Point& a, const Point& b) { return cross_horizontal(a, b, r.y1); }},
  };
  Path out = path;
  for (const Edge& edge : edges) out = clip_against(out, edge);
  return without_repeats(std::move(out));
}

double signed_area(const Path& path) {
  double twice = 0;
  for (std::size_t i = 0, j = path.size() - 1; i < path.size(); j = i++) {
    twice += (path[j].x * path[i].y) - (path[i].x * path[j].y);
  }
  return twice / 2;
}

std::optional<Box> region_bounds(const std::vector<Path>& paths, const TileRect& tile) {
  double x0 = INFINITY;
  double y0 = INFINITY;
  double x1 = -INFINITY;
  double y1 = -INFINITY;
  auto take = [&](const Point& p) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  };
  for (const Path& path : paths) {
    for (std::size_t i = 0, j = path.size() - 1; i < path.size(); j = i++) {
      if (auto part = clip_segment(path[j], path[i], tile)) {
        take(part->first);
        take(part->second);
      }
    }
  }
  for (const Point& corner : {Point{tile.x0, tile.y0}, Point{tile.x1, tile.y0},
                              Point{tile.x0, tile.y1}, Point{tile.x1, tile.y1}}) {
    if (inside_region(paths, corner)) take(corner);
  }
  if (!(x0 <= x1 && y0 <= y1)) return std::nullopt;
  return Box{x0, y0, x1 - x0, y1 - y0};
}

std::optional<CarriedAnnotation> clip_to_tile(const CarriedAnnotation& a, const TileRect& tile) {
  switch (a.kind) {
    case ShapeKind::tag:
      return a;
    case ShapeKind::keypoint:
      if (a.keypoint.x < tile.x0 || a.keypoint.x >= tile.x1 || a.keypoint.y < tile.y0 ||
          a.keypoint.y >= tile.y1) {
        return std::nullopt;
      }
      return shifted(a, tile);
    case ShapeKind::bounding_box: {
      const double x0 = std::max(a.box.x, tile.x0);
      const double y0 = std::max(a.box.y, tile.y0);
      const double x1 = std::min(a.box.x + a.box.w, tile.x1);
      const double y1 = std::min(a.box.y + a.box.h, tile.y1);
      if (!(x1 > x0 && y1 > y0)) return std::nullopt;
      CarriedAnnotation out = a;
      out.box = {x0, y0, x1 - x0, y1 - y0};
      return shifted(std::move(out), tile);
    }
    case ShapeKind::polygon: {
      CarriedAnnotation out = a;
      out.paths.clear();
      for (const Path& path : a.paths) {
        Path clipped = clip_path(path, tile);
        if (clipped.size() >= 3 && std::abs(signed_area(clipped)) >= kMinPathArea) {
          out.paths.push_back(std::move(clipped));
        }
      }
      if (out.paths.empty()) return std::nullopt;
      auto bounds = region_bounds(a.paths, tile);
      if (!bounds) return std::nullopt;
      out.box = *bounds;
      return shifted(std::move(out), tile);
    }
  }
  return std::nullopt;
}

std::vector<CarriedAnnotation> annotations_for_tile(const std::vector<CarriedAnnotation>& source,
                                                    const TileRect& tile,
                                                    std::string_view tile_name) {
  std::vector<CarriedAnnotation> out;
  for (const auto& a : source) {
    auto clipped = clip_to_tile(a, tile);
    if (!clipped) continue;
    clipped->id = carried_annotation_id(a.id, a.name, tile_name);
    out.push_back(std::move(*clipped));
  }
  return out;
}

}  // namespace patchq::annotations
