// PNG tiles: every pixel format decodes back to exactly the tile's pixels, through the decoder
// patchq reads tiles with elsewhere (OpenCV/libpng) as OpenCV's own PNG does, both the one-piece
// (libdeflate) and the streamed (zlib) ways, and every file passes pngcheck.
#include "common/patch/png_encode.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

// Soft gradients: long runs the filter turns into zeros, unlike noise.
cv::Mat smooth(int width, int height, int type) {
  cv::Mat m(height, width, type);
  const double top = CV_MAT_DEPTH(type) == CV_16U ? 65535.0 : 255.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < m.channels(); ++c) {
        const double v = top * (0.5 + 0.5 * std::sin(0.01 * x + 0.02 * y + c));
        if (m.depth() == CV_16U) {
          m.ptr<std::uint16_t>(y)[x * m.channels() + c] = static_cast<std::uint16_t>(v);
        } else {
          m.ptr<unsigned char>(y)[x * m.channels() + c] = static_cast<unsigned char>(v);
        }
      }
    }
  }
  return m;
}

void expect_round_trip(const cv::Mat& tile, std::size_t whole_tile_bytes, const std::string& what) {
  std::vector<unsigned char> png;
  ASSERT_EQ(encode_png(tile, png, whole_tile_bytes), "") << what;
  const cv::Mat ours = decode(png);
  ASSERT_FALSE(ours.empty()) << what;
  ASSERT_EQ(ours.type(), tile.type()) << what;
  ASSERT_EQ(ours.size(), tile.size()) << what;
  EXPECT_EQ(cv::norm(ours, tile, cv::NORM_INF), 0.0) << what;
  // The same pixels as the PNG OpenCV writes itself (what tiles were before).
  std::vector<unsigned char> theirs_png;
  ASSERT_TRUE(cv::imencode(".png", tile, theirs_png));
  EXPECT_EQ(cv::norm(ours, decode(theirs_png), cv::NORM_INF), 0.0) << what;
}

// pngcheck verifies every chunk's CRC, the zlib stream and the IHDR/IDAT consistency.
void expect_pngcheck_passes(const std::vector<unsigned char>& png, const std::string& what) {
  const patchq::testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "tile.png";
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  const std::string command = "pngcheck -q '" + file.string() + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << what << ": pngcheck refused the file";
}

TEST(EncodePng, EveryPixelFormatDecodesToTheSamePixelsBothWays) {
  for (const int depth : {CV_8U, CV_16U}) {
    for (const int channels : {1, 3, 4}) {
      const int type = CV_MAKETYPE(depth, channels);
      for (const auto& [name, tile] :
           {std::pair{"noise", noise(37, 23, type)}, std::pair{"smooth", smooth(64, 40, type)},
            std::pair{"one pixel", noise(1, 1, type)}}) {
        const std::string what = std::string(name) + " depth " + std::to_string(depth) +
                                 " channels " + std::to_string(channels);
        expect_round_trip(tile, kWholeTileBytes, what + " whole");
        expect_round_trip(tile, 0, what + " streamed");
      }
    }
  }
}

TEST(EncodePng, ReadsAViewWithoutTouchingItsNeighbours) {
  const cv::Mat image = noise(300, 200, CV_8UC3);
  const cv::Mat view = image(cv::Rect(17, 31, 101, 77));  // rows are not contiguous
  ASSERT_FALSE(view.isContinuous());
  expect_round_trip(view, kWholeTileBytes, "view whole");
  expect_round_trip(view, 0, "view streamed");
}

TEST(EncodePng, FilesPassPngcheckIncludingSeveralStreamedIdatChunks) {
  // Noise barely compresses: 1.5 MB of rows needs two 1 MiB IDAT chunks when streamed.
  const cv::Mat big = noise(1024, 512, CV_8UC3);
  for (const std::size_t whole : {kWholeTileBytes, std::size_t{0}}) {
    std::vector<unsigned char> png;
    ASSERT_EQ(encode_png(big, png, whole), "");
    expect_pngcheck_passes(png, whole == 0 ? "streamed" : "whole");
  }
  for (const int type : {CV_8UC1, CV_8UC4, CV_16UC1, CV_16UC3, CV_16UC4}) {
    std::vector<unsigned char> png;
    ASSERT_EQ(encode_png(smooth(50, 30, type), png), "");
    expect_pngcheck_passes(png, "type " + std::to_string(type));
  }
}

TEST(EncodePng, StaysWithinATenthOfOpenCvsSizeOnNoiseAndSmallerOnGradients) {
  for (const auto& [name, tile] : {std::pair{"noise", noise(400, 300, CV_8UC3)},
                                   std::pair{"smooth", smooth(400, 300, CV_8UC3)}}) {
    std::vector<unsigned char> ours, theirs;
    ASSERT_EQ(encode_png(tile, ours), "");
    ASSERT_TRUE(cv::imencode(".png", tile, theirs));
    EXPECT_LE(static_cast<double>(ours.size()), 1.1 * static_cast<double>(theirs.size())) << name;
  }
}

TEST(EncodePng, RefusesPixelFormatsPngCannotHold) {
  std::vector<unsigned char> png;
  EXPECT_NE(encode_png(cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0)), png), "");
  EXPECT_NE(encode_png(cv::Mat(4, 4, CV_8UC2, cv::Scalar::all(0)), png), "");
  EXPECT_NE(encode_png(cv::Mat(), png), "");
  EXPECT_TRUE(png.empty());
}

}  // namespace
}  // namespace patchq::patch
