// --carry-annotations end to end below the worker: PatchJobHandler against the V7 stand-in.
// The item (200 x 100) has a patch cut into two tiles, a car polygon that crosses from the
// first tile into the second and, in the second, leaves the tile and comes back, a keypoint,
// an item-level tag, an ellipse (not carried) and a box whose class the team lacks (patchq
// creates it). What the stand-in stored for each tile item is checked against shapely's
// clipping of the car.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <map>
#include <sstream>

#include "common/patchjob/patch_job_handler.hpp"
#include "tests/integration/v7sim/sim_process.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::patchjob {
namespace {

using v7sim::testing::SimProcess;

constexpr const char* kPatch =
    R"json({"id":"p-1","name":"patch (1x2)","slot_names":["0"],"bounding_box":{"x":0,"y":10,"w":200,"h":80}})json";
// Tiles: [0,100) x [10,90) and [100,200) x [10,90). The car's prongs reach below the tiles
// (y 90..99), where they are joined.
constexpr const char* kCar =
    R"({"id":"car-1","name":"car","slot_names":["0"],"polygon":{"paths":[[{"x":90,"y":30},)"
    R"({"x":110,"y":30},{"x":110,"y":95},{"x":170,"y":95},{"x":170,"y":30},{"x":190,"y":30},)"
    R"({"x":190,"y":99},{"x":90,"y":99}]]}})";
constexpr const char* kCarPath = "90 30 110 30 110 95 170 95 170 30 190 30 190 99 90 99";
constexpr const char* kWheel =
    R"({"id":"wheel-1","name":"wheel","slot_names":["0"],"keypoint":{"x":150,"y":60}})";
constexpr const char* kSunny = R"({"id":"tag-1","name":"sunny","slot_names":["0"],"tag":{}})";
constexpr const char* kLamp =
    R"({"id":"lamp-1","name":"lamp","ellipse":{"center":{"x":20,"y":20},"radius":{"x":5,"y":5},)"
    R"("angle":0},"bounding_box":{"x":15,"y":15,"w":10,"h":10}})";
constexpr const char* kSign =
    R"({"id":"sign-1","name":"sign","bounding_box":{"x":10,"y":20,"w":30,"h":30}})";

class CarryAnnotationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* c : {R"({"name":"car","annotation_types":["polygon"]})",
                          R"({"name":"wheel","annotation_types":["keypoint"]})",
                          R"({"name":"sunny","annotation_types":["tag"]})"}) {
      ASSERT_EQ(sim_.call("POST", "/_sim/annotation_classes", c).status, 201);
    }
  }

  // The webhook payload of a fresh 200 x 100 item in dataset "src", with `annotations`.
  std::string payload_with(const std::vector<std::string>& annotations, const std::string& name) {
    auto reply = sim_.call("POST", "/_sim/datasets/src/images?name=" + name,
                           v7sim::testing::make_png(200, 100));
    EXPECT_EQ(reply.status, 201) << reply.body;
    std::string list;
    for (const auto& a : annotations) list += (list.empty() ? "" : ",") + a;
    const std::string empty = R"("annotations":[])";
    const auto at = reply.body.find(empty);
    EXPECT_NE(at, std::string::npos) << reply.body;
    return reply.body.replace(at, empty.size(), R"("annotations":[)" + list + "]");
  }

  PatchJobHandler handler() {
    PatchJobConfig config;
    config.v7.api_url = sim_.base_url();
    config.v7.api_key = sim_.options().api_key;
    config.v7.allow_private_hosts = true;
    config.v7.create_target = true;
    config.v7.connect_timeout = std::chrono::seconds(2);
    config.v7.transfer_timeout = std::chrono::seconds(10);
    config.v7.quick_backoff_base = std::chrono::milliseconds(10);
    config.carry_annotations = true;
    return PatchJobHandler(config, nullptr);
  }

  queue::JobOutcome run(PatchJobHandler& h, const std::string& payload) {
    queue::Job job;
    job.id = "job-carry";
    job.payload = payload;
    job.target = "patches";
    queue::JobContext ctx;
    auto outcome = h.handle(job, ctx);
    if (outcome.kind != queue::JobOutcome::Kind::done) ADD_FAILURE() << outcome.error;
    return outcome;
  }

  // The id of the tile item whose name ends with `suffix` ("_r0c1.png"), among those named
  // `prefix`...; names carry a box key between the annotation id and the grid position.
  std::string tile_id(const std::string& prefix, const std::string& suffix) {
    for (const auto& [name, id] : tile_items()) {
      if (name.starts_with(prefix) && name.ends_with(suffix)) return id;
    }
    ADD_FAILURE() << "no tile " << prefix << "*" << suffix;
    return "";
  }

  // Tile item name -> id, for the target dataset.
  std::map<std::string, std::string> tile_items() {
    auto reply = sim_.call("GET", "/_sim/datasets/patches/items");
    simdjson::dom::parser parser;
    std::map<std::string, std::string> out;
    for (auto item : parser.parse(reply.body)["items"].get_array()) {
      out[std::string(std::string_view(item["name"]))] = std::string(std::string_view(item["id"]));
    }
    return out;
  }

  // The id of the team's class `name` of `type`, from the stand-in's class list.
  int64_t class_id(const std::string& name, const std::string& type) {
    auto reply = sim_.api("GET", "/api/teams/" + team() + "/annotation_classes");
    simdjson::dom::parser parser;
    for (auto c : parser.parse(reply.body)["annotation_classes"].get_array()) {
      if (std::string_view(c["name"]) != name) continue;
      for (auto t : c["annotation_types"].get_array()) {
        if (std::string_view(t) == type) return int64_t(c["id"]);
      }
    }
    ADD_FAILURE() << "no class " << name << " of type " << type;
    return 0;
  }

  std::string team() {
    auto reply = sim_.api("GET", "/api/users/token_info");
    simdjson::dom::parser parser;
    return std::string(std::string_view(parser.parse(reply.body)["selected_team"]["slug"]));
  }

  long endpoint_calls(const std::string& endpoint) {
    auto reply = sim_.call("GET", "/_sim/stats");
    simdjson::dom::parser parser;
    int64_t total = 0;
    if (parser.parse(reply.body)["endpoints"][endpoint]["total"].get_int64().get(total) !=
        simdjson::SUCCESS) {
      return 0;
    }
    return static_cast<long>(total);
  }

  SimProcess sim_;
};

struct Imported {
  long imports = 0;
  std::map<std::string, std::string> by_shape;  // "polygon" -> that annotation's JSON
  std::size_t count = 0;
};

Imported imported(SimProcess& sim, const std::string& item_id) {
  auto reply = sim.call("GET", "/_sim/items/" + item_id + "/annotations");
  EXPECT_EQ(reply.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(reply.body);
  Imported out;
  out.imports = static_cast<long>(int64_t(doc["imports"]));
  for (auto a : doc["annotations"].get_array()) {
    ++out.count;
    for (auto field : simdjson::dom::object(a["data"])) {
      out.by_shape[std::string(field.key)] = simdjson::minify(a);
    }
  }
  return out;
}

// shapely's area and bounds of the car clipped to a tile, in the tile's coordinates.
std::vector<double> shapely_expectation(double x0, double y0, double x1, double y1) {
  patchq::testing::TempDir dir;
  std::ostringstream spec;
  spec << "CASE\nTILE " << x0 << ' ' << y0 << ' ' << x1 << ' ' << y1 << "\nPATH " << kCarPath
       << '\n';
  patchq::testing::write_file(dir / "case", spec.str());
  patchq::testing::ChildProcess python(
      "/usr/bin/python3",
      {patchq::testing::source_path("tests/unit/annotations/shapely_clip.py").string(),
       (dir / "case").string()});
  EXPECT_TRUE(python.wait_exit(std::chrono::seconds(30)).has_value());
  std::istringstream out(python.stdout_text());
  double area = 0, minx = 0, miny = 0, maxx = 0, maxy = 0;
  out >> area >> minx >> miny >> maxx >> maxy;
  return {area, minx - x0, miny - y0, maxx - x0, maxy - y0};
}

// Area (shoelace) and bounds of the polygon's one path as imported.
std::vector<double> imported_polygon(const std::string& annotation_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element a = parser.parse(annotation_json);
  auto path = a["data"]["polygon"]["paths"].at(0).get_array();
  std::vector<std::pair<double, double>> points;
  for (auto p : path.value()) points.emplace_back(double(p["x"]), double(p["y"]));
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

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "value " << i;
}

TEST_F(CarryAnnotationsTest, EachTileGetsItsClippedAnnotationsAsShapelyClipsThem) {
  auto h = handler();
  const auto outcome =
      run(h, payload_with({kPatch, kCar, kWheel, kSunny, kLamp, kSign}, "street.png"));
  ASSERT_EQ(outcome.kind, queue::JobOutcome::Kind::done) << outcome.error;
  EXPECT_EQ(outcome.tiles, 2);
  const auto items = tile_items();
  ASSERT_EQ(items.size(), 2u);
  const std::string left = tile_id("street_p-1_", "_r0c0.png");
  const std::string right = tile_id("street_p-1_", "_r0c1.png");

  const Imported l = imported(sim_, left);
  EXPECT_EQ(l.imports, 1);
  EXPECT_EQ(l.count, 3u);  // car, the tag and the sign; the wheel is in the other tile
  ASSERT_TRUE(l.by_shape.contains("polygon"));
  EXPECT_TRUE(l.by_shape.contains("tag"));
  ASSERT_TRUE(l.by_shape.contains("bounding_box"));
  expect_near_all(imported_polygon(l.by_shape.at("polygon")), shapely_expectation(0, 10, 100, 90));

  const Imported r = imported(sim_, right);
  EXPECT_EQ(r.imports, 1);
  EXPECT_EQ(r.count, 3u);
  ASSERT_TRUE(r.by_shape.contains("polygon"));
  expect_near_all(imported_polygon(r.by_shape.at("polygon")),
                  shapely_expectation(100, 10, 200, 90));
  simdjson::dom::parser parser;
  simdjson::dom::element wheel = parser.parse(r.by_shape.at("keypoint"));
  EXPECT_EQ(double(wheel["data"]["keypoint"]["x"]), 50.0);
  EXPECT_EQ(double(wheel["data"]["keypoint"]["y"]), 50.0);
  EXPECT_EQ(std::string_view(wheel["context_keys"]["slot_names"].at(0)), "0");
  // One class lookup, one import a tile, the sign's class created (one call, after one read
  // of the type ids), the team's car, wheel and sunny classes put into the target dataset (a
  // call each, as darwin-py's add_annotation_class); the ellipse costs nothing.
  EXPECT_EQ(endpoint_calls("annotation_classes"), 1);
  EXPECT_EQ(endpoint_calls("annotation_types"), 1);
  EXPECT_EQ(endpoint_calls("create_annotation_class"), 1);
  EXPECT_EQ(endpoint_calls("update_annotation_class"), 3);
  EXPECT_EQ(endpoint_calls("import_annotations"), 2);
  simdjson::dom::element sign = parser.parse(l.by_shape.at("bounding_box"));
  EXPECT_EQ(int64_t(sign["annotation_class_id"]), class_id("sign", "bounding_box"));
  EXPECT_EQ(double(sign["data"]["bounding_box"]["y"]), 10.0);  // item y 20, tile from y 10
  EXPECT_EQ(double(sign["data"]["bounding_box"]["h"]), 30.0);
}

TEST_F(CarryAnnotationsTest, AClassIsCreatedOnceAndThenComesFromTheCache) {
  auto h = handler();
  ASSERT_EQ(run(h, payload_with({kPatch, kSign}, "first.png")).kind, queue::JobOutcome::Kind::done);
  ASSERT_EQ(run(h, payload_with({kPatch, kSign}, "second.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("create_annotation_class"), 1);
  EXPECT_EQ(endpoint_calls("annotation_types"), 1);
  EXPECT_EQ(endpoint_calls("annotation_classes"), 1);  // the second job reads no list
  EXPECT_EQ(imported(sim_, tile_id("second_p-1_", "_r0c0.png")).count, 1u);
  // A new handler (another worker) finds the class in the list and creates nothing.
  auto other = handler();
  ASSERT_EQ(run(other, payload_with({kPatch, kSign}, "third.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("create_annotation_class"), 1);
  EXPECT_EQ(imported(sim_, tile_id("third_p-1_", "_r0c0.png")).count, 1u);
}

TEST_F(CarryAnnotationsTest, ATeamClassIsPutIntoTheTargetDatasetOnceThenImported) {
  auto h = handler();
  ASSERT_EQ(run(h, payload_with({kPatch, kSunny}, "first.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("update_annotation_class"), 1);
  EXPECT_EQ(endpoint_calls("create_annotation_class"), 0);  // the team has it
  EXPECT_EQ(imported(sim_, tile_id("first_p-1_", "_r0c0.png")).count, 1u);
  // V7's list now names the dataset: neither this handler nor another one puts it in again.
  ASSERT_EQ(run(h, payload_with({kPatch, kSunny}, "second.png")).kind,
            queue::JobOutcome::Kind::done);
  auto other = handler();
  ASSERT_EQ(run(other, payload_with({kPatch, kSunny}, "third.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("update_annotation_class"), 1);
  EXPECT_EQ(imported(sim_, tile_id("third_p-1_", "_r0c0.png")).count, 1u);
}

TEST_F(CarryAnnotationsTest, AClassV7RefusesToPutIntoTheDatasetLeavesItsAnnotationsOut) {
  auto h = handler();
  ASSERT_EQ(sim_.call("POST", "/_sim/faults",
                      R"({"endpoint":"update_annotation_class","fail_next":1,"status":403})")
                .status,
            200);
  const auto outcome = run(h, payload_with({kPatch, kSunny, kSign}, "refused.png"));
  ASSERT_EQ(outcome.kind, queue::JobOutcome::Kind::done) << outcome.error;
  const Imported l = imported(sim_, tile_id("refused_p-1_", "_r0c0.png"));
  EXPECT_EQ(l.count, 1u);  // the sign (created in the dataset); the tag is left out
  EXPECT_TRUE(l.by_shape.contains("bounding_box"));
  // Remembered: the next job neither asks again nor sends the class to the import.
  ASSERT_EQ(run(h, payload_with({kPatch, kSunny, kSign}, "refused-again.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("update_annotation_class"), 1);
  EXPECT_EQ(imported(sim_, tile_id("refused-again_p-1_", "_r0c0.png")).count, 1u);
}

TEST_F(CarryAnnotationsTest, AClassV7RefusesToCreateLeavesItsAnnotationsOutNotTheJob) {
  auto h = handler();
  // The stand-in refuses a class for good: its annotations are left out, the rest imported.
  ASSERT_EQ(sim_.call("POST", "/_sim/faults",
                      R"({"endpoint":"create_annotation_class","fail_next":1,"status":422})")
                .status,
            200);
  const auto outcome = run(h, payload_with({kPatch, kSign, kSunny}, "refused.png"));
  ASSERT_EQ(outcome.kind, queue::JobOutcome::Kind::done) << outcome.error;
  const Imported l = imported(sim_, tile_id("refused_p-1_", "_r0c0.png"));
  EXPECT_EQ(l.count, 1u);
  EXPECT_TRUE(l.by_shape.contains("tag"));
  // The refusal is remembered: the next job asks neither for the class nor for the list.
  ASSERT_EQ(run(h, payload_with({kPatch, kSign, kSunny}, "refused-again.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("create_annotation_class"), 1);
  EXPECT_EQ(endpoint_calls("annotation_classes"), 1);
  EXPECT_EQ(imported(sim_, tile_id("refused-again_p-1_", "_r0c0.png")).count, 1u);
}

TEST_F(CarryAnnotationsTest, AttributesTextAndInstanceIdsAreCarriedAsV7sImportWantsThem) {
  // The target dataset and its car attributes exist before the job.
  auto created = sim_.api("POST", "/api/datasets", R"({"name":"patches"})");
  ASSERT_EQ(created.status, 200) << created.body;
  simdjson::dom::parser parser;
  const int64_t dataset_id = int64_t(parser.parse(created.body)["id"]);
  const int64_t car = class_id("car", "polygon");
  auto red = sim_.call("POST", "/_sim/attributes",
                       R"({"class_id":)" + std::to_string(car) + R"(,"dataset_id":)" +
                           std::to_string(dataset_id) + R"(,"name":"red"})");
  ASSERT_EQ(red.status, 201) << red.body;
  const int64_t red_id = int64_t(parser.parse(red.body)["id"]);
  const std::string car_with_subs =
      R"({"id":"car-9","name":"car","polygon":{"paths":[[{"x":10,"y":20},{"x":60,"y":20},)"
      R"({"x":60,"y":60}]]},"attributes":["red","rusty"],"text":{"text":"AB 123"},)"
      R"("instance_id":{"value":4}})";
  auto h = handler();
  ASSERT_EQ(run(h, payload_with({kPatch, car_with_subs}, "subs.png")).kind,
            queue::JobOutcome::Kind::done);
  const Imported l = imported(sim_, tile_id("subs_p-1_", "_r0c0.png"));
  ASSERT_EQ(l.count, 1u);
  simdjson::dom::element a = parser.parse(l.by_shape.at("polygon"));
  auto ids = a["data"]["attributes"]["attributes"].get_array();
  ASSERT_EQ(ids.size(), 1u);  // "rusty" is not an attribute of the dataset's car class
  EXPECT_EQ(int64_t(ids.at(0)), red_id);
  EXPECT_EQ(std::string_view(a["data"]["text"]["text"]), "AB 123");
  EXPECT_EQ(int64_t(a["data"]["instance_id"]["value"]), 4);
  EXPECT_EQ(endpoint_calls("attributes"), 1);
}

TEST_F(CarryAnnotationsTest, ARerunReplacesTheTilesAnnotationsInsteadOfAddingCopies) {
  auto h = handler();
  const std::string payload = payload_with({kPatch, kCar, kSunny}, "again.png");
  ASSERT_EQ(run(h, payload).kind, queue::JobOutcome::Kind::done);
  const auto second = run(h, payload);  // the tiles exist now (ALREADY_EXISTS)
  ASSERT_EQ(second.kind, queue::JobOutcome::Kind::done) << second.error;
  for (const auto& [name, id] : tile_items()) {
    const Imported i = imported(sim_, id);
    EXPECT_EQ(i.imports, 2) << name;
    EXPECT_EQ(i.count, 2u) << name;  // car and tag, once each
  }
}

TEST_F(CarryAnnotationsTest, ATileWithNothingOnItCostsNoCall) {
  auto h = handler();
  // The car only reaches the right tile.
  const std::string car_right =
      R"({"id":"car-2","name":"car","polygon":{"paths":[[{"x":120,"y":20},{"x":180,"y":20},)"
      R"({"x":180,"y":80}]]}})";
  ASSERT_EQ(run(h, payload_with({kPatch, car_right}, "one.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("import_annotations"), 1);
  EXPECT_EQ(imported(sim_, tile_id("one_p-1_", "_r0c0.png")).imports, 0);
  EXPECT_EQ(imported(sim_, tile_id("one_p-1_", "_r0c1.png")).count, 1u);
}

TEST_F(CarryAnnotationsTest, AnnotationsFetchedFromV7AreCarriedWhenTheStageSentNone) {
  auto h = handler();
  // include_annotations off: no "annotations" key; V7's endpoint answers them.
  std::string payload = payload_with({}, "fetched.png");
  const std::string key = R"(,"annotations":[])";
  const auto at = payload.find(key);
  ASSERT_NE(at, std::string::npos) << payload;
  payload.erase(at, key.size());
  simdjson::dom::parser parser;
  const std::string item_id(
      std::string_view(parser.parse(payload)["item"]["source_info"]["item_id"]));
  const std::string seeded =
      std::string(R"({"annotations":[)") + kPatch + "," + kCar + "," + kWheel + "," + kSunny + "]}";
  ASSERT_EQ(sim_.call("PUT", "/_sim/items/" + item_id + "/annotations", seeded).status, 204);

  const auto outcome = run(h, payload);
  ASSERT_EQ(outcome.kind, queue::JobOutcome::Kind::done) << outcome.error;
  EXPECT_EQ(outcome.tiles, 2);
  EXPECT_EQ(endpoint_calls("annotations"), 1);
  const Imported l = imported(sim_, tile_id("fetched_p-1_", "_r0c0.png"));
  EXPECT_EQ(l.count, 2u);  // car and tag
  ASSERT_TRUE(l.by_shape.contains("polygon"));
  expect_near_all(imported_polygon(l.by_shape.at("polygon")), shapely_expectation(0, 10, 100, 90));
  const Imported r = imported(sim_, tile_id("fetched_p-1_", "_r0c1.png"));
  EXPECT_EQ(r.count, 3u);  // car, wheel and tag
  EXPECT_TRUE(r.by_shape.contains("keypoint"));
}

TEST_F(CarryAnnotationsTest, WithoutTheFlagNothingIsImported) {
  PatchJobConfig config;
  config.v7.api_url = sim_.base_url();
  config.v7.api_key = sim_.options().api_key;
  config.v7.allow_private_hosts = true;
  config.v7.create_target = true;
  PatchJobHandler h(config, nullptr);
  ASSERT_EQ(run(h, payload_with({kPatch, kCar, kSunny}, "off.png")).kind,
            queue::JobOutcome::Kind::done);
  EXPECT_EQ(endpoint_calls("import_annotations"), 0);
  EXPECT_EQ(endpoint_calls("annotation_classes"), 0);
}

}  // namespace
}  // namespace patchq::patchjob
