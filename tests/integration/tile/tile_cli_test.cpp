// patchq-tile as a user runs it: a payload file and an image file in, tile files and a one-line
// JSON summary out; refusals exit non-zero with the reason on stderr.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/patch/tile_name.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CliRun run_tile(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ChildProcess child(binary_path("patchq-tile"), std::move(args), std::move(env));
  const auto status = child.wait_exit(60s);
  EXPECT_TRUE(status.has_value()) << "patchq-tile did not finish";
  return CliRun{child.exit_code().value_or(-1), child.stdout_text(), child.stderr_text()};
}

std::string encode(const cv::Mat& image, const std::string& ext) {
  std::vector<unsigned char> bytes;
  EXPECT_TRUE(cv::imencode(ext, image, bytes));
  return std::string(bytes.begin(), bytes.end());
}

// A smooth 4000x3000 colour image (cheap to encode and decode, unlike noise).
cv::Mat gradient(int width, int height) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    auto* row = m.ptr<cv::Vec3b>(y);
    for (int x = 0; x < width; ++x) {
      row[x] = cv::Vec3b(static_cast<uchar>(x / 16), static_cast<uchar>(y / 12),
                         static_cast<uchar>((x + y) / 28));
    }
  }
  return m;
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

const char* kSmallPayload =
    R"json({"version": "2.0", "item": {"name": "shot 1.final.png", "path": "/",
    "source_info": {"item_id": "i-1", "team": {"slug": "t"}, "dataset": {"slug": "d"}},
    "slots": [{"type": "image", "width": 64, "height": 48,
               "source_files": [{"file_name": "shot 1.final.png", "url": "https://h/s.png"}]}]},
  "annotations": [{"id": "p1", "name": "Patch (2 X 2)", "bounding_box": {"x": 0, "y": 0, "w": 64, "h": 48}},
                  {"id": "p2", "name": "patch (0x3)", "bounding_box": {"x": 0, "y": 0, "w": 8, "h": 8}}]})json";

class TileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "small.json", kSmallPayload);
    cv::Mat small(48, 64, CV_8UC3);
    cv::randu(small, 0, 256);
    write_file(dir_ / "small.png", encode(small, ".png"));
  }
  TempDir dir_;
};

TEST_F(TileCli, TilesTheV2SampleAndPrintsTheSummary) {
  const cv::Mat source = gradient(4000, 3000);
  write_file(dir_ / "street.jpg", encode(source, ".jpg"));
  const fs::path out = dir_ / "tiles";
  const CliRun run = run_tile({"--payload", source_path("tests/data/v7/webhook_v2.json").string(),
                               "--image", (dir_ / "street.jpg").string(), "--out", out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // 24 tiles for patch (4x6), one for the shifted box, one for the keypoint; "car" ignored.
  // Names carry each patch's pixel box and grid (box_key): the 4x6 grid covers 100..3100 x
  // 51..2051, the box is shifted inside to 3700..4000 x 2800..3000, the keypoint's 500x500 box
  // to 0..500 x 2500..3000.
  const std::string grid_name = "street_0042_754f5f2c-0001-4000-8000-000000000001_" +
                                patch::box_key({100, 51, 3000, 2000}, {4, 6});
  const std::string shifted_name = "street_0042_754f5f2c-0002-4000-8000-000000000002_" +
                                   patch::box_key({3700, 2800, 300, 200}, {1, 1}) + "_r0c0.png";
  std::set<std::string> expected;
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) {
      expected.insert(grid_name + "_r" + std::to_string(r) + "c" + std::to_string(c) + ".png");
    }
  }
  expected.insert(shifted_name);
  expected.insert("street_0042_754f5f2c-0003-4000-8000-000000000003_" +
                  patch::box_key({0, 2500, 500, 500}, {1, 1}) + "_r0c0.png");
  EXPECT_EQ(files_in(out), expected);

  // The summary is one JSON line.
  ASSERT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_EQ(parser.parse(run.out).get(summary), simdjson::SUCCESS) << run.out;
  EXPECT_EQ(int64_t(summary["tiles"]), 26);
  EXPECT_EQ(std::string_view(summary["item_id"]), "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e");
  EXPECT_EQ(std::string_view(summary["format"]), "png");
  EXPECT_EQ(int64_t(summary["image"]["width"]), 4000);
  EXPECT_EQ(int64_t(summary["image"]["height"]), 3000);
  EXPECT_EQ(std::string_view(summary["image"]["format"]), "JPEG");
  EXPECT_EQ(simdjson::dom::array(summary["skipped"]).size(), 0u);
  std::uint64_t bytes = 0;
  for (const auto& name : expected) bytes += fs::file_size(out / name);
  EXPECT_EQ(uint64_t(summary["bytes"]), bytes);
  for (const char* key : {"decode_ms", "tile_ms", "encode_ms"}) {
    EXPECT_GE(double(summary[key]), 0.0) << key;
  }
  EXPECT_GE(double(summary["total_ms"]), double(summary["encode_ms"]));

  // A tile holds exactly the pixels of the decoded image under its rect: r1c2 of the 4x6 grid
  // is x = 100 + 2 * 500, y = 51 + 500, 500x500.
  const cv::Mat decoded = cv::imread((dir_ / "street.jpg").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat tile = cv::imread((out / (grid_name + "_r1c2.png")).string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(tile.size(), cv::Size(500, 500));
  EXPECT_EQ(cv::norm(tile, decoded(cv::Rect(1100, 551, 500, 500)), cv::NORM_INF), 0.0);
  // The shifted box: 3700..4000 x 2800..3000.
  const cv::Mat shifted = cv::imread((out / shifted_name).string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(shifted.size(), cv::Size(300, 200));
  EXPECT_EQ(cv::norm(shifted, decoded(cv::Rect(3700, 2800, 300, 200)), cv::NORM_INF), 0.0);
}

TEST_F(TileCli, ReportsSkippedAnnotationsAndWritesJpegTilesInParallel) {
  const fs::path out = dir_ / "jpeg";
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "small.png").string(), "--out", out.string(), "--format",
                               "jpeg", "--jobs", "2", "--quality", "80"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string small = "shot 1.final_p1_" + patch::box_key({0, 0, 64, 48}, {2, 2});
  EXPECT_EQ(files_in(out), (std::set<std::string>{small + "_r0c0.jpg", small + "_r0c1.jpg",
                                                  small + "_r1c0.jpg", small + "_r1c1.jpg"}));
  simdjson::dom::parser parser;
  simdjson::dom::element summary;
  ASSERT_EQ(parser.parse(run.out).get(summary), simdjson::SUCCESS) << run.out;
  EXPECT_EQ(int64_t(summary["tiles"]), 4);
  EXPECT_EQ(std::string_view(summary["format"]), "jpg");
  const simdjson::dom::array skipped = summary["skipped"];
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(std::string_view(skipped.at(0)["annotation_id"]), "p2");
  EXPECT_EQ(std::string_view(skipped.at(0)["reason"]),
            "malformed grid: grid rows must be 1..64, got 0");
}

TEST_F(TileCli, LoadsOpenCvsImageCodecsOnlyForTheFormatsThatNeedThem) {
  // glibc's loader names every library it maps (LD_DEBUG=files), also those loaded later.
  cv::Mat pixels(48, 64, CV_8UC3);
  cv::randu(pixels, 0, 256);
  write_file(dir_ / "small.jpg", encode(pixels, ".jpg"));
  const auto loads_codecs = [&](const std::string& image, const std::string& format) {
    const fs::path out = dir_ / ("out_" + image + "_" + format);
    const CliRun run =
        run_tile({"--payload", (dir_ / "small.json").string(), "--image", (dir_ / image).string(),
                  "--out", out.string(), "--format", format},
                 {{"LD_DEBUG", "files"}});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(files_in(out).size(), 4u) << image << " " << format;
    EXPECT_NE(run.err.find("file=libopencv_core"), std::string::npos) << run.err;
    return run.err.find("file=libopencv_imgcodecs") != std::string::npos;
  };
  EXPECT_FALSE(loads_codecs("small.jpg", "png"));  // libjpeg-turbo in, libdeflate out
  EXPECT_TRUE(loads_codecs("small.png", "png"));   // OpenCV decodes PNG
  EXPECT_TRUE(loads_codecs("small.jpg", "jpeg"));  // and encodes JPEG tiles
}

TEST_F(TileCli, TraceLogsEachThreadsTimeline) {
  const cv::Mat source = gradient(640, 480);
  write_file(dir_ / "street.jpg", encode(source, ".jpg"));
  const char* payload =
      R"json({"version": "2.0", "item": {"name": "s.jpg", "path": "/",
    "source_info": {"item_id": "i-1", "team": {"slug": "t"}, "dataset": {"slug": "d"}},
    "slots": [{"type": "image", "width": 640, "height": 480,
               "source_files": [{"file_name": "s.jpg", "url": "https://h/s.jpg"}]}]},
    "annotations": [{"id": "p1", "name": "patch (4x4)", "bounding_box": {"x": 0, "y": 0, "w": 640, "h": 480}}]})json";
  write_file(dir_ / "trace.json", payload);
  const auto spans = [&](std::map<std::string, std::string> env) {
    const CliRun run = run_tile(
        {"--payload", (dir_ / "trace.json").string(), "--image", (dir_ / "street.jpg").string(),
         "--out", (dir_ / "trace_out").string(), "--jobs", "2"},
        std::move(env));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::map<std::string, int> count;  // "<thread> <what>" -> spans
    simdjson::dom::parser parser;
    std::size_t at = 0;
    while (at < run.err.size()) {
      const std::size_t end = std::min(run.err.find('\n', at), run.err.size());
      const std::string line = run.err.substr(at, end - at);
      at = end + 1;
      simdjson::dom::element e;
      if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
      std::string_view event;
      if (e["event"].get(event) != simdjson::SUCCESS || event != "tile_trace") continue;
      EXPECT_LE(double(e["start_ms"]), double(e["end_ms"])) << line;
      EXPECT_GE(double(e["cpu_ms"]), 0.0) << line;
      count[std::to_string(int64_t(e["thread"])) + " " +
            std::string(std::string_view(e["what"]))]++;
    }
    return count;
  };
  const std::map<std::string, int> traced = spans({{"PATCHQ_TILE_TRACE", "1"}});
  EXPECT_EQ(traced.at("0 decode"), 1);
  const int encodes = (traced.contains("0 encode") ? traced.at("0 encode") : 0) +
                      (traced.contains("1 encode") ? traced.at("1 encode") : 0);
  EXPECT_EQ(encodes, 16);
  EXPECT_TRUE(spans({}).empty());  // off by default
  EXPECT_TRUE(spans({{"PATCHQ_TILE_TRACE", "0"}}).empty());
}

TEST_F(TileCli, RefusesABadPayloadWithItsReason) {
  write_file(dir_ / "bad.json", R"({"item": {"name": 5}})");
  const CliRun run = run_tile({"--payload", (dir_ / "bad.json").string(), "--image",
                               (dir_ / "small.png").string(), "--out", (dir_ / "o").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("payload refused: item.name: expected a string, got a number"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(run.out.empty());
}

TEST_F(TileCli, RefusesAnUnsupportedImage) {
  write_file(dir_ / "anim.gif", std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00", 13));
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "anim.gif").string(), "--out", (dir_ / "o").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("image refused (unsupported_format): unsupported image format"),
            std::string::npos)
      << run.err;
}

TEST_F(TileCli, RefusesImagesOverThePixelLimit) {
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "small.png").string(), "--out", (dir_ / "o").string(),
                               "--max-pixels", "3000"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(
      run.err.find("image refused (too_many_pixels): PNG image is 64x48 = 3072 pixels, over the "
                   "limit of 3000"),
      std::string::npos)
      << run.err;
}

TEST_F(TileCli, RefusesATruncatedJpegAndWritesNoTile) {
  // Issue #13: OpenCV decoded half a JPEG "successfully", inventing the missing rows.
  const std::string jpeg = encode(gradient(640, 480), ".jpg");
  write_file(dir_ / "half.jpg", jpeg.substr(0, jpeg.size() / 2));
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "half.jpg").string(), "--out", (dir_ / "o").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("image refused (decode_failed): JPEG: premature end of data after "),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(" of 480 rows"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("Corrupt JPEG data"), std::string::npos) << "libjpeg must not print";
  EXPECT_TRUE(run.out.empty());
  EXPECT_TRUE(!fs::exists(dir_ / "o") || files_in(dir_ / "o").empty());
}

TEST_F(TileCli, RefusesImagesOverTheDecodedByteLimit) {
  // small.png decodes to 64 x 48 x 3 = 9216 bytes.
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "small.png").string(), "--out", (dir_ / "o").string(),
                               "--max-decoded-bytes", "9000"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(
      run.err.find("image refused (too_many_bytes): PNG image 64x48 with 3 channels of 8 "
                   "bits decodes to 9216 bytes, over the limit of 9000 (--max-decoded-bytes)"),
      std::string::npos)
      << run.err;
  const CliRun fits = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                                (dir_ / "small.png").string(), "--out", (dir_ / "o").string(),
                                "--max-decoded-bytes", "9KiB"});
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
  const CliRun zero =
      run_tile({"--payload", "p", "--image", "i", "--out", "o", "--max-decoded-bytes", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--max-decoded-bytes must be at least 1"), std::string::npos) << zero.err;
  const CliRun help = run_tile({"--help"});
  EXPECT_NE(help.out.find("--max-decoded-bytes"), std::string::npos);
  EXPECT_NE(help.out.find("PATCHQ_MAX_DECODED_BYTES"), std::string::npos);
}

TEST_F(TileCli, RefusesAMissingImageFile) {
  const CliRun run = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                               (dir_ / "nope.png").string(), "--out", (dir_ / "o").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot read"), std::string::npos) << run.err;
}

TEST_F(TileCli, RefusesADirectoryOrDeviceAsTheImageSayingWhatItIs) {
  const std::string image_dir = (dir_ / "images").string();
  std::filesystem::create_directories(image_dir);
  const CliRun dir = run_tile({"--payload", (dir_ / "small.json").string(), "--image", image_dir,
                               "--out", (dir_ / "o").string()});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find(image_dir + " is a directory, not a file"), std::string::npos) << dir.err;
  EXPECT_EQ(dir.err.find("bytes"), std::string::npos) << dir.err;
  const CliRun device = run_tile({"--payload", (dir_ / "small.json").string(), "--image",
                                  "/dev/zero", "--out", (dir_ / "o").string()});
  EXPECT_EQ(device.exit_code, 1);
  EXPECT_NE(device.err.find("/dev/zero is not a regular file"), std::string::npos) << device.err;
}

TEST_F(TileCli, UsageErrorsExitWithTwo) {
  const CliRun missing = run_tile(
      {"--payload", (dir_ / "small.json").string(), "--image", (dir_ / "small.png").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--out is required"), std::string::npos) << missing.err;
  const CliRun format =
      run_tile({"--payload", "p", "--image", "i", "--out", "o", "--format", "gif"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("--format must be png, jpeg or webp, got 'gif'"), std::string::npos)
      << format.err;
  const CliRun unknown = run_tile({"--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST_F(TileCli, HelpDescribesTheFlags) {
  const CliRun run = run_tile({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* flag : {"--payload", "--image", "--out", "--format", "--jobs", "--max-pixels"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace patchq::testing
