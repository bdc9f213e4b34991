// Tile clipping against an independent oracle: shapely (GEOS) intersects random polygons,
// many of which leave the tile and come back, some with a hole, with a tile; the areas and
// bounds patchq computes must match.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <sstream>

#include "common/annotations/tile_clip.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::annotations {
namespace {

using testing::ChildProcess;
using testing::source_path;
using testing::TempDir;

struct Case {
  TileRect tile;
  std::vector<Path> paths;  // outline, then holes inside it
};

// A star-shaped polygon around `c`: vertices at evenly spread angles (jittered) and radii in
// [min_r, max_r]; deep notches make it cross a tile's border many times.
Path star(std::mt19937& rng, Point c, int n, double min_r, double max_r) {
  std::uniform_real_distribution<double> radius(min_r, max_r);
  std::uniform_real_distribution<double> jitter(-0.3, 0.3);
  Path path;
  for (int i = 0; i < n; ++i) {
    const double a = (i + jitter(rng)) * 2 * std::numbers::pi / n;
    const double r = radius(rng);
    path.push_back({c.x + r * std::cos(a), c.y + r * std::sin(a)});
  }
  return path;
}

std::vector<Case> random_cases(unsigned seed, int count) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> cx(0, 400);
  std::uniform_real_distribution<double> cy(0, 300);
  std::uniform_real_distribution<double> big(30, 250);
  std::uniform_int_distribution<int> vertices(8, 40);
  std::uniform_int_distribution<int> coin(0, 2);
  std::vector<Case> cases;
  for (int i = 0; i < count; ++i) {
    Case c;
    c.tile = {100, 50, 300, 250};
    const Point centre{cx(rng), cy(rng)};
    const double r = big(rng);
    c.paths.push_back(star(rng, centre, vertices(rng), 0.2 * r, r));
    // The outline keeps a disc of radius > 0.16 r around the centre, so this hole is inside.
    if (coin(rng) == 0) c.paths.push_back(star(rng, centre, 8, 0.05 * r, 0.15 * r));
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<std::string> oracle(const std::vector<Case>& cases, const TempDir& dir) {
  std::ostringstream spec;
  spec.precision(17);
  for (const Case& c : cases) {
    spec << "CASE\nTILE " << c.tile.x0 << ' ' << c.tile.y0 << ' ' << c.tile.x1 << ' ' << c.tile.y1
         << '\n';
    for (const Path& path : c.paths) {
      spec << "PATH";
      for (const Point& p : path) spec << ' ' << p.x << ' ' << p.y;
      spec << '\n';
    }
  }
  testing::write_file(dir / "cases", spec.str());
  ChildProcess python(
      "/usr/bin/python3",
      {source_path("tests/unit/annotations/shapely_clip.py").string(), (dir / "cases").string()});
  const auto status = python.wait_exit(std::chrono::seconds(60));
  EXPECT_TRUE(status.has_value() && python.exit_code() == 0) << python.stderr_text();
  std::vector<std::string> lines;
  std::istringstream out(python.stdout_text());
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  return lines;
}

// How often the outline crosses the tile's border: 4 or more means it leaves and re-enters.
int border_crossings(const Path& path, const TileRect& t) {
  auto inside = [&](const Point& p) {
    return p.x >= t.x0 && p.x <= t.x1 && p.y >= t.y0 && p.y <= t.y1;
  };
  int n = 0;
  for (std::size_t i = 0, j = path.size() - 1; i < path.size(); j = i++) {
    if (inside(path[i]) != inside(path[j])) ++n;
  }
  return n;
}

TEST(ShapelyOracle, ClippedAreasAndBoundsMatchShapelyOnRandomPolygons) {
  const std::vector<Case> cases = random_cases(20261201, 400);
  TempDir dir;
  const std::vector<std::string> expected = oracle(cases, dir);
  ASSERT_EQ(expected.size(), cases.size());
  int reentering = 0;
  int with_hole_in_tile = 0;
  int compared = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const Case& c = cases[i];
    if (expected[i] == "invalid") continue;  // a self-touching draw; shapely cannot judge it
    ++compared;
    if (border_crossings(c.paths[0], c.tile) >= 4) ++reentering;
    CarriedAnnotation a;
    a.kind = ShapeKind::polygon;
    a.paths = c.paths;
    const auto clipped = clip_to_tile(a, c.tile);
    if (expected[i] == "empty") {
      EXPECT_FALSE(clipped.has_value());
      continue;
    }
    ASSERT_TRUE(clipped.has_value()) << expected[i];
    std::istringstream in(expected[i]);
    double area = 0, minx = 0, miny = 0, maxx = 0, maxy = 0;
    in >> area >> minx >> miny >> maxx >> maxy;
    // Even-odd with one hole inside the outline: outline area minus hole area.
    double ours = 0;
    for (std::size_t k = 0; k < clipped->paths.size(); ++k) {
      const double part = std::abs(signed_area(clipped->paths[k]));
      const bool is_outline = k == 0 && clip_path(c.paths[0], c.tile).size() >= 3;
      ours += is_outline ? part : -part;
    }
    if (clipped->paths.size() == 2) ++with_hole_in_tile;
    const double tolerance = 1e-6 * std::max(1.0, area);
    EXPECT_NEAR(ours, area, tolerance);
    // Bounds are in tile coordinates; shapely's are in the item's.
    EXPECT_NEAR(clipped->box.x + c.tile.x0, minx, 1e-6);
    EXPECT_NEAR(clipped->box.y + c.tile.y0, miny, 1e-6);
    EXPECT_NEAR(clipped->box.x + clipped->box.w + c.tile.x0, maxx, 1e-6);
    EXPECT_NEAR(clipped->box.y + clipped->box.h + c.tile.y0, maxy, 1e-6);
    for (const Path& path : clipped->paths) {
      for (const Point& p : path) {
        EXPECT_GE(p.x, -1e-9);
        EXPECT_GE(p.y, -1e-9);
        EXPECT_LE(p.x, c.tile.x1 - c.tile.x0 + 1e-9);
        EXPECT_LE(p.y, c.tile.y1 - c.tile.y0 + 1e-9);
      }
    }
  }
  // The sample must exercise what the test is for.
  EXPECT_GT(compared, 350);
  EXPECT_GT(reentering, 50);
  EXPECT_GT(with_hole_in_tile, 20);
}

}  // namespace
}  // namespace patchq::annotations
