// --carry-annotations through the processes: the stand-in's webhook stage sends a multi-slot
// item it made itself (two image slots and a video slot between them, as V7 sends one) to
// the receiver; Redis queues it; a worker process cuts each patch from its slot, uploads the
// tiles to the stand-in and imports each tile's clipped annotations. What the stand-in stored
// for every tile is checked against shapely's clipping (Debian's python3-shapely), and an
// annotation of one slot never lands on a tile of the other.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>

#include "tests/integration/e2e/chain.hpp"
#include "tests/integration/e2e/street_image.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::e2e {
namespace {

using namespace std::chrono_literals;

// Slot L (300 x 200) is cut into two tiles, [0,150) and [150,300) wide. The car crosses into
// the second and there leaves the tile (below the image) and comes back.
constexpr const char* kLeftCarPath = "140 50 160 50 160 195 240 195 240 50 260 50 260 210 140 210";
// Slot R (120 x 80), one tile; its car reaches past the image's right edge.
constexpr const char* kRightCarPath = "100 10 140 10 100 70";

std::string polygon_json(const std::string& path) {
  std::istringstream in(path);
  std::string out = "[";
  double x = 0, y = 0;
  for (bool first = true; in >> x >> y; first = false) {
    out += (first ? "" : ",") + std::string(R"({"x":)") + std::to_string(x) + R"(,"y":)" +
           std::to_string(y) + "}";
  }
  return out + "]";
}

std::string item_id_of(const std::string& payload) {
  simdjson::dom::parser parser;
  return std::string(std::string_view(parser.parse(payload)["item"]["source_info"]["item_id"]));
}

// shapely's area and bounds of `path` clipped to the tile, in the tile's coordinates.
std::vector<double> shapely_clip(const std::string& path, double x0, double y0, double x1,
                                 double y1) {
  patchq::testing::TempDir dir;
  std::ostringstream spec;
  spec << "CASE\nTILE " << x0 << ' ' << y0 << ' ' << x1 << ' ' << y1 << "\nPATH " << path << '\n';
  patchq::testing::write_file(dir / "case", spec.str());
  patchq::testing::ChildProcess python(
      "/usr/bin/python3",
      {patchq::testing::source_path("tests/unit/annotations/shapely_clip.py").string(),
       (dir / "case").string()});
  EXPECT_TRUE(python.wait_exit(std::chrono::seconds(30)).has_value());
  std::istringstream out(python.stdout_text());
  double area = 0, minx = 0, miny = 0, maxx = 0, maxy = 0;
  EXPECT_TRUE(out >> area >> minx >> miny >> maxx >> maxy) << python.stdout_text();
  return {area, minx - x0, miny - y0, maxx - x0, maxy - y0};
}

// Area (shoelace) and bounds of an imported polygon's one path.
std::vector<double> area_and_bounds(simdjson::dom::element annotation) {
  std::vector<std::pair<double, double>> points;
  simdjson::dom::array path = annotation["data"]["polygon"]["paths"].at(0).get_array();
  for (auto p : path) {
    points.emplace_back(double(p["x"]), double(p["y"]));
  }
  double twice = 0;
  double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
  for (std::size_t i = 0, j = points.size() - 1; i < points.size(); j = i++) {
    twice += points[j].first * points[i].second - points[i].first * points[j].second;
    minx = std::min(minx, points[i].first);
    miny = std::min(miny, points[i].second);
    maxx = std::max(maxx, points[i].first);
    maxy = std::max(maxy, points[i].second);
  }
  return {std::abs(twice) / 2, minx, miny, maxx, maxy};
}

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want,
                     const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << what << i;
}

struct TileImports {
  long imports = 0;
  std::vector<std::string> annotations;  // minified, as imported
};

TEST(Carry, AMultiSlotItemsTilesArriveInV7WithTheirSlotsClippedAnnotations) {
  Chain chain(ChainOptions{.worker_args = {"--carry-annotations"}});
  auto& sim = chain.sim();
  for (const char* c : {R"({"name":"car","annotation_types":["polygon"]})",
                        R"({"name":"wheel","annotation_types":["keypoint"]})"}) {
    ASSERT_EQ(sim.call("POST", "/_sim/annotation_classes", c).status, 201);
  }
  const std::string left =
      item_id_of(chain.add_image("carry-source", "pair.jpg", street_image_jpeg(300, 200)));
  const std::string right =
      item_id_of(chain.add_image("carry-source", "pair-r.jpg", street_image_jpeg(120, 80)));
  const std::string annotations =
      R"j([{"id":"a0000000-0000-4000-8000-00000000000a","name":"patch (1x2)","slot_names":["L"],)j"
      R"j("bounding_box":{"x":0,"y":0,"w":300,"h":200}},)j"
      R"j({"id":"b0000000-0000-4000-8000-00000000000b","name":"patch","slot_names":["R"],)j"
      R"j("bounding_box":{"x":0,"y":0,"w":120,"h":80}},)j"
      R"j({"id":"car-L","name":"car","slot_names":["L"],"polygon":{"paths":[)j" +
      polygon_json(kLeftCarPath) +
      R"j(]}},{"id":"wheel-L","name":"wheel","slot_names":["L"],"keypoint":{"x":50,"y":50}},)j"
      R"j({"id":"car-R","name":"car","slot_names":["R"],"polygon":{"paths":[)j" +
      polygon_json(kRightCarPath) +
      R"j(]}},{"id":"wheel-R","name":"wheel","slot_names":["R"],"keypoint":{"x":30,"y":40}}])j";
  // The stand-in makes the payload (the item is `left`'s, with three slots) and sends it as
  // a V7 stage does.
  const std::string stage = R"({"url":"http://127.0.0.1:)" + std::to_string(chain.receiver_port()) +
                            R"(/webhook?target=carry-tiles","authorization":"Bearer )" +
                            testing::kReceiverToken + R"(","retries":0,"item":{"item_id":")" +
                            left + R"(","slots":[{"slot_name":"L","item_id":")" + left +
                            R"("},{"slot_name":"V","type":"video"},{"slot_name":"R","item_id":")" +
                            right + R"("}],"annotations":)" + annotations + "}}";
  const auto started = sim.call("POST", "/_sim/stage", stage);
  ASSERT_EQ(started.status, 202) << started.body;

  std::map<std::string, TileImports> tiles;  // tile name -> its imports
  const auto read_tiles = [&] {
    tiles.clear();
    const auto listed = sim.call("GET", "/_sim/datasets/carry-tiles/items");
    if (listed.status != 200) return false;
    simdjson::dom::parser parser;
    for (auto item : parser.parse(listed.body)["items"].get_array()) {
      const std::string id{std::string_view(item["id"])};
      const auto reply = sim.call("GET", "/_sim/items/" + id + "/annotations");
      simdjson::dom::parser inner;
      simdjson::dom::element doc = inner.parse(reply.body);
      TileImports t;
      t.imports = static_cast<long>(int64_t(doc["imports"]));
      for (auto a : doc["annotations"].get_array()) t.annotations.push_back(simdjson::minify(a));
      tiles[std::string(std::string_view(item["name"]))] = std::move(t);
    }
    if (tiles.size() != 3) return false;
    for (const auto& [name, t] : tiles) {
      if (t.imports == 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(testing::wait_until(read_tiles, 60s, 100ms)) << tiles.size() << chain.logs();

  // name fragment -> (tile origin in its slot, tile size)
  struct Expected {
    std::string slot;
    std::string cell;
    double x0, x1, y1;
    const char* car_path;
    std::size_t count;  // car and wheel, or the car alone
  };
  const std::vector<Expected> expected = {{"_L_", "_r0c0.png", 0, 150, 200, kLeftCarPath, 2},
                                          {"_L_", "_r0c1.png", 150, 300, 200, kLeftCarPath, 1},
                                          {"_R_", "_r0c0.png", 0, 120, 80, kRightCarPath, 2}};
  for (const auto& e : expected) {
    const auto found = std::find_if(tiles.begin(), tiles.end(), [&](const auto& t) {
      return t.first.find(e.slot) != std::string::npos && t.first.ends_with(e.cell);
    });
    ASSERT_NE(found, tiles.end()) << e.slot << e.cell;
    const TileImports& t = found->second;
    EXPECT_EQ(t.imports, 1) << found->first;
    ASSERT_EQ(t.annotations.size(), e.count) << found->first;
    simdjson::dom::parser parser;
    bool car_seen = false;
    for (const auto& text : t.annotations) {
      simdjson::dom::element a = parser.parse(text);
      EXPECT_EQ(std::string_view(a["context_keys"]["slot_names"].at(0)), "0");
      if (a["data"]["polygon"].error() == simdjson::SUCCESS) {
        car_seen = true;
        expect_near_all(area_and_bounds(a), shapely_clip(e.car_path, e.x0, 0, e.x1, e.y1),
                        found->first);
      } else {
        // Each slot's own wheel: L's at (50, 50) in the first tile, R's at (30, 40).
        const double want_x = e.slot == "_L_" ? 50 : 30;
        const double want_y = e.slot == "_L_" ? 50 : 40;
        EXPECT_EQ(double(a["data"]["keypoint"]["x"]), want_x) << found->first;
        EXPECT_EQ(double(a["data"]["keypoint"]["y"]), want_y) << found->first;
      }
    }
    EXPECT_TRUE(car_seen) << found->first;
  }
}

}  // namespace
}  // namespace patchq::e2e
