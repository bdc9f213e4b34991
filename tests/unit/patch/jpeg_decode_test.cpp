// decode_jpeg: pixel-identical to OpenCV 4.6's imdecode on every JPEG layout, and a refusal
// (not an image with invented rows) for truncated or corrupt files.
#include "common/patch/jpeg_decode.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <utility>

#include "common/patch/jpeg_restart.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/patch/jpeg_writer.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

// A photo-like picture: smooth gradients (what JPEG is for) with some noise and sharp edges, at
// an odd size so that the last MCU row and column are partial.
cv::Mat photo(int width = 203, int height = 131, int type = CV_8UC3) {
  cv::Mat m(height, width, type);
  cv::Mat grain = noise(width, height, type, 7);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < m.channels(); ++c) {
        const int smooth = (x * 255 / width + y * 255 / height * (c + 1)) / (c + 2);
        const int edge = (x / 37 + y / 29) % 2 == 0 ? 40 : 0;
        const int grainy = grain.ptr<unsigned char>(y)[x * m.channels() + c] / 8;
        m.ptr<unsigned char>(y)[x * m.channels() + c] =
            static_cast<unsigned char>(std::min(255, smooth + edge + grainy));
      }
    }
  }
  return m;
}

// The largest difference between a region's pixels and the full decode's under it.
double difference_from(const cv::Mat& full, const JpegRegion& r) {
  const cv::Rect under(static_cast<int>(r.rect.x), static_cast<int>(r.rect.y),
                       static_cast<int>(r.rect.w), static_cast<int>(r.rect.h));
  return cv::norm(r.pixels, full(under), cv::NORM_INF);
}

cv::Mat opencv_decode(const std::string& bytes) {
  return cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
}

void expect_same_as_opencv(const std::string& jpeg, const std::string& label) {
  const cv::Mat expected = opencv_decode(jpeg);
  ASSERT_FALSE(expected.empty()) << label;
  const Result<cv::Mat, JpegError> decoded = decode_jpeg(jpeg);
  ASSERT_TRUE(decoded.ok()) << label << ": " << decoded.error().reason;
  ASSERT_EQ(decoded->type(), expected.type()) << label;
  ASSERT_EQ(decoded->size(), expected.size()) << label;
  EXPECT_EQ(cv::norm(*decoded, expected, cv::NORM_INF), 0.0) << label;
}

std::string refusal(const std::string& jpeg) {
  const Result<cv::Mat, JpegError> decoded = decode_jpeg(jpeg);
  if (decoded.ok()) return "(decoded)";
  EXPECT_FALSE(decoded.error().over_memory_limit) << decoded.error().reason;
  return decoded.error().reason;
}

TEST(DecodeJpeg, PixelsMatchOpenCvForEveryLayout) {
  const cv::Mat color = photo();
  const cv::Mat gray = photo(203, 131, CV_8UC1);
  expect_same_as_opencv(encode(color, ".jpg"), "OpenCV baseline 4:2:0");
  expect_same_as_opencv(encode(color, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}), "quality 100");
  expect_same_as_opencv(encode(color, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), "progressive");
  expect_same_as_opencv(encode(color, ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1}), "optimized");
  expect_same_as_opencv(encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 3}),
                        "restart markers");
  expect_same_as_opencv(encode(gray, ".jpg"), "grayscale");
  expect_same_as_opencv(encode(gray, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
                        "grayscale progressive");
  expect_same_as_opencv(write_jpeg(color, {.luma_h = 1, .luma_v = 1}), "4:4:4");
  expect_same_as_opencv(write_jpeg(color, {.luma_h = 2, .luma_v = 1}), "4:2:2");
  expect_same_as_opencv(write_jpeg(color, {.luma_h = 1, .luma_v = 2}), "4:4:0");
  expect_same_as_opencv(write_jpeg(color, {.luma_h = 1, .luma_v = 1, .progressive = true}),
                        "4:4:4 progressive");
  expect_same_as_opencv(write_jpeg(color, {.restart_rows = 1}), "restart every MCU row");
  expect_same_as_opencv(without_huffman_tables(write_jpeg(color, {})),
                        "no Huffman tables (Motion-JPEG frame)");
  expect_same_as_opencv(encode(photo(1, 1), ".jpg"), "1x1");
  expect_same_as_opencv(encode(photo(17, 2000), ".jpg"), "17x2000");
  expect_same_as_opencv(with_orientation(encode(color, ".jpg"), 6), "EXIF segment (not applied)");
}

// Region decode: every region equals the full decode's pixels under it, whatever its position
// relative to MCU boundaries (odd offsets, touching the edges, one pixel, whole rows).
void expect_regions_match_full_decode(const std::string& jpeg, const std::string& label) {
  const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
  ASSERT_TRUE(full.ok()) << label << ": " << full.error().reason;
  const std::int64_t w = full->cols;
  const std::int64_t h = full->rows;
  const std::vector<std::vector<PixelRect>> layouts = {
      {{0, 0, w, h}},
      {{0, 0, 1, 1}},
      {{w - 1, h - 1, 1, 1}},
      {{37, 5, 41, 23}, {3, 29, 7, 1}, {w - 50, 30, 50, 40}, {11, h - 13, 60, 13}},
      {{17, 17, 1, 63}, {90, 81, 33, 9}},
      {{0, 40, w, 30}},
  };
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    std::vector<JpegRegion> regions;
    for (const PixelRect& r : layouts[i]) {
      if (r.x >= 0 && r.y >= 0 && r.right() <= w && r.bottom() <= h) {
        regions.push_back(JpegRegion{r, {}});
      }
    }
    if (regions.empty()) continue;  // the layout is for a larger image
    const Result<bool, JpegError> done = decode_jpeg_regions(jpeg, 0, regions);
    ASSERT_TRUE(done.ok()) << label << " layout " << i << ": " << done.error().reason;
    ASSERT_TRUE(*done) << label << " layout " << i;
    for (const JpegRegion& r : regions) {
      const cv::Mat expected =
          (*full)(cv::Rect(static_cast<int>(r.rect.x), static_cast<int>(r.rect.y),
                           static_cast<int>(r.rect.w), static_cast<int>(r.rect.h)));
      ASSERT_EQ(r.pixels.type(), expected.type()) << label << " layout " << i;
      ASSERT_EQ(r.pixels.size(), expected.size()) << label << " layout " << i;
      EXPECT_EQ(cv::norm(r.pixels, expected, cv::NORM_INF), 0.0)
          << label << " layout " << i << " region at " << r.rect.x << "," << r.rect.y;
    }
  }
}

TEST(DecodeJpegRegions, PixelsMatchTheFullDecodeForEveryLayout) {
  const cv::Mat color = photo();
  const cv::Mat gray = photo(203, 131, CV_8UC1);
  expect_regions_match_full_decode(encode(color, ".jpg"), "OpenCV baseline 4:2:0");
  expect_regions_match_full_decode(encode(color, ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1}),
                                   "optimized");
  expect_regions_match_full_decode(encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 3}),
                                   "restart markers");
  expect_regions_match_full_decode(encode(gray, ".jpg"), "grayscale");
  expect_regions_match_full_decode(write_jpeg(color, {.luma_h = 1, .luma_v = 1}), "4:4:4");
  expect_regions_match_full_decode(write_jpeg(color, {.luma_h = 2, .luma_v = 1}), "4:2:2");
  expect_regions_match_full_decode(write_jpeg(color, {.luma_h = 1, .luma_v = 2}), "4:4:0");
  expect_regions_match_full_decode(write_jpeg(color, {.restart_rows = 1}), "restart every MCU row");
  expect_regions_match_full_decode(
      patchq::testing::read_file(patchq::testing::source_path("tests/data/patch/cmyk_32x16.jpg")),
      "CMYK");
  expect_regions_match_full_decode(encode(photo(600, 400), ".jpg"), "600x400 4:2:0");
}

TEST(DecodeJpegRegions, WithRestartMarkersPixelsMatchTheFullDecode) {
  const cv::Mat color = photo();
  const cv::Mat tall = photo(150, 700);
  for (const auto& [jpeg, label] : std::vector<std::pair<std::string, std::string>>{
           {encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 1}), "every MCU"},
           {encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 13}), "every MCU row"},
           {encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 40}), "3 rows and a bit"},
           {encode(tall, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 10}), "tall, every MCU row"},
           {encode(tall, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 7}), "tall, 7 MCUs"},
           {encode(photo(150, 700, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 19}),
            "tall gray"},
           {write_jpeg(tall, {.luma_h = 1, .luma_v = 1, .restart_rows = 1}), "tall 4:4:4"},
           {write_jpeg(tall, {.luma_h = 2, .luma_v = 1, .restart_rows = 3}), "tall 4:2:2"},
           {write_jpeg(tall, {.luma_h = 1, .luma_v = 2, .restart_rows = 1}), "tall 4:4:0"},
           {without_huffman_tables(write_jpeg(tall, {.restart_rows = 1})), "tall, no tables"}}) {
    expect_regions_match_full_decode(jpeg, label);
    // Bands far apart, each from an excerpt of its own.
    const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
    ASSERT_TRUE(full.ok()) << label;
    if (full->rows < 700) continue;
    std::vector<JpegRegion> regions{{PixelRect{3, 1, 40, 33}, {}},
                                    {PixelRect{70, 301, 77, 45}, {}},
                                    {PixelRect{0, 360, 5, 5}, {}},
                                    {PixelRect{149, 650, 1, 50}, {}}};
    for (const int threads : {1, 2, 4}) {  // the excerpts one after another, or at once
      for (JpegRegion& r : regions) r.pixels.release();
      JpegRegionStats stats;
      const Result<bool, JpegError> done =
          decode_jpeg_regions(jpeg, 0, regions, &stats, {}, threads);
      ASSERT_TRUE(done.ok()) << label << ": " << done.error().reason;
      EXPECT_GE(stats.excerpts, 3) << label;
      EXPECT_GT(stats.rows_not_read, 200) << label;
      for (const JpegRegion& r : regions) {
        EXPECT_EQ(difference_from(*full, r), 0.0)
            << label << " region at " << r.rect.x << "," << r.rect.y << ", " << threads;
      }
    }
  }
}

// On several threads a long band is cut into pieces, each from an excerpt with its own margin,
// so that the threads share it: the same pixels.
TEST(DecodeJpegRegions, OnSeveralThreadsALongBandIsCutIntoPiecesWithTheSamePixels) {
  const cv::Mat tall = photo(150, 2000);
  for (const auto& [jpeg, label] : std::vector<std::pair<std::string, std::string>>{
           {encode(tall, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 10}), "4:2:0, every MCU row"},
           {write_jpeg(tall, {.luma_h = 2, .luma_v = 1, .restart_rows = 3}), "4:2:2, 3 rows"}}) {
    const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
    ASSERT_TRUE(full.ok()) << label;
    for (const int threads : {1, 2, 3}) {
      std::vector<JpegRegion> regions{{PixelRect{7, 101, 120, 1403}, {}},
                                      {PixelRect{0, 1700, 150, 9}, {}}};
      JpegRegionStats stats;
      const Result<bool, JpegError> done =
          decode_jpeg_regions(jpeg, 0, regions, &stats, {}, threads);
      ASSERT_TRUE(done.ok()) << label << ": " << done.error().reason;
      ASSERT_TRUE(*done) << label;
      if (threads == 1) {
        EXPECT_EQ(stats.excerpts, 2) << label;
      } else {
        EXPECT_GE(stats.excerpts, 4) << label << ", " << threads;  // the long band in pieces
      }
      for (const JpegRegion& r : regions) {
        EXPECT_EQ(difference_from(*full, r), 0.0)
            << label << " region at " << r.rect.y << ", " << threads << " threads";
      }
    }
  }
}

// Without restart markers, small regions come from excerpts found by a Huffman scan of every
// MCU (one at a time or at once, the same pixels); regions over most of the image from one
// libjpeg pass over the whole stream.
TEST(DecodeJpegRegions, WithoutRestartMarkersSmallRegionsComeFromScannedExcerpts) {
  for (const auto& [jpeg, label] : std::vector<std::pair<std::string, std::string>>{
           {encode(photo(150, 700), ".jpg"), "4:2:0"},
           {encode(photo(150, 700, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1}), "gray"},
           {write_jpeg(photo(150, 700), {.luma_h = 2, .luma_v = 1}), "4:2:2"}}) {
    const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
    ASSERT_TRUE(full.ok()) << label;
    for (const int threads : {1, 2}) {
      std::vector<JpegRegion> regions{{PixelRect{3, 1, 40, 33}, {}},
                                      {PixelRect{70, 301, 77, 45}, {}},
                                      {PixelRect{149, 650, 1, 50}, {}}};
      JpegRegionStats stats;
      const Result<bool, JpegError> done =
          decode_jpeg_regions(jpeg, 0, regions, &stats, {}, threads);
      ASSERT_TRUE(done.ok() && *done) << label;
      EXPECT_EQ(stats.excerpts, 3) << label;
      EXPECT_TRUE(stats.scanned) << label;
      EXPECT_EQ(stats.rows_not_read, 0) << label;
      for (const JpegRegion& r : regions) {
        EXPECT_EQ(difference_from(*full, r), 0.0)
            << label << " region at " << r.rect.y << ", " << threads << " threads";
      }
    }
    std::vector<JpegRegion> most{{PixelRect{0, 0, 150, 400}, {}}};
    JpegRegionStats stats;
    ASSERT_TRUE(decode_jpeg_regions(jpeg, 0, most, &stats).ok()) << label;
    EXPECT_EQ(stats.excerpts, 0) << label;
    EXPECT_FALSE(stats.scanned) << label;
  }
}

// Restart excerpts read only the intervals under the regions: a file whose markers are intact
// but whose entropy-coded bytes are damaged far from every region gives the right pixels; a
// truncated file, a lost or misnumbered marker, or damage under a region is refused as before.
TEST(DecodeJpegRegions, WithRestartMarkersRefusesTruncationAndDamageUnderARegion) {
  const std::string jpeg = encode(photo(150, 700), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 10});
  const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
  ASSERT_TRUE(full.ok());
  const auto regions_of = [] { return std::vector<JpegRegion>{{PixelRect{10, 20, 50, 30}, {}}}; };
  // The interval of MCU row 30 (rows 480..495) lies far below the region (rows 20..50).
  const std::size_t scan = jpeg.find("\xFF\xDA");
  std::size_t rst = jpeg.find("\xFF\xD5", scan);  // the 6th marker (RST5): ends MCU row 5
  for (int k = 0; k < 3; ++k) rst = jpeg.find("\xFF\xD5", rst + 2);  // RST5 of rows 13, 21, 29
  ASSERT_NE(rst, std::string::npos);
  std::string far_damage = jpeg;
  for (std::size_t i = rst + 4; i < rst + 12; ++i) {
    if (far_damage[i] != '\xFF' && far_damage[i - 1] != '\xFF') far_damage[i] ^= 0x5A;
  }
  ASSERT_FALSE(decode_jpeg(far_damage).ok()) << "the damage is visible to a full decode";
  std::vector<JpegRegion> regions = regions_of();
  JpegRegionStats stats;
  const Result<bool, JpegError> done = decode_jpeg_regions(far_damage, 0, regions, &stats);
  ASSERT_TRUE(done.ok()) << done.error().reason;
  EXPECT_EQ(stats.excerpts, 1);
  EXPECT_EQ(cv::norm(regions[0].pixels, (*full)(cv::Rect(10, 20, 50, 30)), cv::NORM_INF), 0.0);

  regions = regions_of();
  const Result<bool, JpegError> truncated =
      decode_jpeg_regions(jpeg.substr(0, jpeg.size() * 3 / 4), 0, regions);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().reason.rfind("JPEG: premature end of data", 0), 0u)
      << truncated.error().reason;
  regions = regions_of();
  EXPECT_FALSE(decode_jpeg_regions(jpeg.substr(0, jpeg.size() - 2), 0, regions).ok())
      << "a missing end-of-image marker";
  std::string misnumbered = jpeg;
  misnumbered[rst + 1] = '\xD6';
  regions = regions_of();
  const Result<bool, JpegError> lost = decode_jpeg_regions(misnumbered, 0, regions);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.error().reason.find("instead of RST5"), std::string::npos) << lost.error().reason;
  std::string near_damage = jpeg;
  const std::size_t under = jpeg.find("\xFF\xD1", scan) + 6;  // MCU row 2: rows 32..47
  for (std::size_t i = under; i < under + 8; ++i) {
    if (near_damage[i] != '\xFF' && near_damage[i - 1] != '\xFF') near_damage[i] ^= 0x5A;
  }
  regions = regions_of();
  const Result<bool, JpegError> near = decode_jpeg_regions(near_damage, 0, regions);
  ASSERT_FALSE(near.ok());
  EXPECT_EQ(near.error().reason.rfind("JPEG: corrupt data", 0), 0u) << near.error().reason;
}

TEST(DecodeJpegRegions, RefusesRegionsOutsideTheImageOrOutOfOrder) {
  const std::string jpeg = encode(photo(), ".jpg");  // 203x131
  for (const std::vector<PixelRect>& bad :
       {std::vector<PixelRect>{{200, 0, 4, 4}}, std::vector<PixelRect>{{0, 130, 4, 2}},
        std::vector<PixelRect>{{-1, 0, 4, 4}}, std::vector<PixelRect>{{0, 0, 0, 4}},
        std::vector<PixelRect>{{0, 50, 4, 4}, {0, 10, 4, 4}},
        std::vector<PixelRect>{{0, 10, 4, 4}, {10, 12, 4, 4}}}) {
    std::vector<JpegRegion> regions;
    for (const PixelRect& r : bad) regions.push_back(JpegRegion{r, {}});
    EXPECT_FALSE(decode_jpeg_regions(jpeg, 0, regions).ok());
  }
}

TEST(DecodeJpegRegions, LeavesProgressiveFilesToTheFullDecode) {
  std::vector<JpegRegion> regions{{PixelRect{0, 0, 10, 10}, {}}};
  const Result<bool, JpegError> done =
      decode_jpeg_regions(encode(photo(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), 0, regions);
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

TEST(DecodeJpegRegions, RefusesDamageBelowTheLastRegionLikeAFullDecode) {
  const std::string jpeg = encode(photo(256, 256), ".jpg");
  std::vector<JpegRegion> regions{{PixelRect{0, 0, 16, 16}, {}}};
  const Result<bool, JpegError> truncated =
      decode_jpeg_regions(jpeg.substr(0, jpeg.size() * 3 / 4), 0, regions);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().reason.rfind("JPEG: premature end of data", 0), 0u)
      << truncated.error().reason;
  std::string corrupt = jpeg;
  for (std::size_t i = jpeg.size() * 3 / 4; i < jpeg.size() * 3 / 4 + 64; ++i) corrupt[i] ^= 0x5A;
  EXPECT_FALSE(decode_jpeg_regions(corrupt, 0, regions).ok());
  EXPECT_FALSE(decode_jpeg_regions(jpeg.substr(0, jpeg.size() - 2), 0, regions).ok())
      << "a missing end-of-image marker";
}

// A region is reported once its last row is decoded, so that its tiles can be encoded while
// the regions below it decode; from excerpts nothing is reported (a failing excerpt or scan
// sends the decode back to the whole stream, which writes those pixels again).
TEST(DecodeJpegRegions, ReportsEachRegionOnceItsPixelsAreFinal) {
  const std::string jpeg = encode(photo(150, 700), ".jpg");
  const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
  ASSERT_TRUE(full.ok());
  // Most of the image: one pass over the whole stream.
  std::vector<JpegRegion> regions{{PixelRect{3, 1, 140, 233}, {}},
                                  {PixelRect{0, 301, 150, 145}, {}},
                                  {PixelRect{10, 450, 130, 250}, {}}};
  std::vector<std::size_t> reported;
  std::vector<double> differences;  // of each reported region, when it was reported
  const auto done = [&](std::size_t count) {
    reported.push_back(count);
    const JpegRegion& r = regions[count - 1];
    const cv::Mat expected =
        (*full)(cv::Rect(static_cast<int>(r.rect.x), static_cast<int>(r.rect.y),
                         static_cast<int>(r.rect.w), static_cast<int>(r.rect.h)));
    differences.push_back(cv::norm(r.pixels, expected, cv::NORM_INF));
  };
  ASSERT_TRUE(decode_jpeg_regions(jpeg, 0, regions, nullptr, done).ok());
  EXPECT_EQ(reported, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(differences, (std::vector<double>{0, 0, 0}));

  reported.clear();
  JpegRegionStats stats;
  const std::string with_restarts =
      encode(photo(150, 700), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 10});
  std::vector<JpegRegion> small{{PixelRect{3, 1, 40, 33}, {}},
                                {PixelRect{70, 301, 77, 45}, {}},
                                {PixelRect{149, 650, 1, 50}, {}}};
  ASSERT_TRUE(decode_jpeg_regions(with_restarts, 0, small, &stats, done).ok());
  EXPECT_GE(stats.excerpts, 3);
  EXPECT_TRUE(reported.empty());
  ASSERT_TRUE(decode_jpeg_regions(jpeg, 0, small, &stats, done).ok());
  EXPECT_TRUE(stats.scanned);
  EXPECT_TRUE(reported.empty());
}

TEST(DecodeJpeg, ReportsRowsAsTheyAreDecoded) {
  const std::string jpeg = encode(photo(64, 256), ".jpg");
  std::vector<int> reported;
  const cv::Mat* seen = nullptr;
  const Result<cv::Mat, JpegError> decoded =
      decode_jpeg(jpeg, 0, [&](const cv::Mat& image, int rows) {
        seen = &image;
        reported.push_back(rows);
      });
  ASSERT_TRUE(decoded.ok());
  ASSERT_FALSE(reported.empty());
  EXPECT_EQ(reported.back(), 256);
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_GT(reported.size(), 4u);  // in batches, not once at the end
  EXPECT_NE(seen, nullptr);
}

TEST(DecodeJpeg, CmykMatchesOpenCv) {
  const std::string cmyk =
      patchq::testing::read_file(patchq::testing::source_path("tests/data/patch/cmyk_32x16.jpg"));
  expect_same_as_opencv(cmyk, "CMYK");
}

TEST(DecodeJpeg, RefusesATruncatedFileNamingTheRowsDecoded) {
  // 256 rows of 4:2:0 = 16 MCU rows of 16; half the file stops somewhere in the middle.
  const std::string jpeg = encode(photo(256, 256), ".jpg");
  const std::string reason = refusal(jpeg.substr(0, jpeg.size() / 2));
  ASSERT_EQ(reason.rfind("JPEG: premature end of data after ", 0), 0u) << reason;
  EXPECT_NE(reason.find(" of 256 rows"), std::string::npos) << reason;
  const int rows =
      std::stoi(reason.substr(std::string("JPEG: premature end of data after ").size()));
  EXPECT_GT(rows, 0);
  EXPECT_LT(rows, 256);
}

TEST(DecodeJpeg, RefusesEveryTruncation) {
  for (const std::string& jpeg :
       {encode(photo(), ".jpg"), encode(photo(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
        encode(photo(), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 2}),
        encode(photo(203, 131, CV_8UC1), ".jpg")}) {
    for (int percent = 2; percent < 100; percent += 7) {
      const std::size_t size = jpeg.size() * static_cast<std::size_t>(percent) / 100;
      const std::string reason = refusal(jpeg.substr(0, size));
      EXPECT_EQ(reason.rfind("JPEG: ", 0), 0u) << percent << "%: " << reason;
    }
  }
}

TEST(DecodeJpeg, RefusesAFileWithoutItsEndMarker) {
  const std::string jpeg = encode(photo(), ".jpg");
  const std::string without_eoi = jpeg.substr(0, jpeg.size() - 2);
  // The entropy decoder reads ahead, so the end of data shows during the last MCU row...
  EXPECT_EQ(refusal(without_eoi), "JPEG: premature end of data after 126 of 131 rows");
  // ... unless another marker ends the scan: then the EOI itself is found missing.
  EXPECT_EQ(refusal(without_eoi + std::string("\xFF\xFE\x00\x04ok", 6)),
            "JPEG: premature end of data after all 131 rows (no end-of-image marker)");
}

TEST(DecodeJpeg, RefusesAProgressiveFileWhoseScansStopEarly) {
  const std::string jpeg = encode(photo(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  // Every scan is read before the first row comes out.
  EXPECT_EQ(refusal(jpeg.substr(0, jpeg.size() * 3 / 4)),
            "JPEG: premature end of data before the first of 131 rows");
}

TEST(DecodeJpeg, RefusesCorruptEntropyData) {
  const std::string jpeg = encode(photo(), ".jpg");
  int refused = 0;
  for (int percent = 10; percent < 100; percent += 10) {
    std::string corrupt = jpeg;
    const std::size_t at = jpeg.size() * static_cast<std::size_t>(percent) / 100;
    for (std::size_t i = at; i < at + 8; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0xA5);
    const std::string reason = refusal(corrupt);
    if (reason == "(decoded)") continue;  // undetectable: the bits still form valid codes
    ++refused;
    EXPECT_EQ(reason.rfind("JPEG: corrupt data ", 0), 0u) << percent << "%: " << reason;
    EXPECT_NE(reason.find("(Corrupt JPEG data: "), std::string::npos) << reason;
  }
  EXPECT_GE(refused, 7) << "flipped bytes are nearly always seen by the Huffman decoder";
}

TEST(DecodeJpeg, RefusesALostRestartMarker) {
  const std::string jpeg = encode(photo(), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 1});
  // Overwrite the first RST marker (FF D0) in the scan, after the headers.
  const std::size_t scan = jpeg.find("\xFF\xDA");
  const std::size_t rst = jpeg.find("\xFF\xD0", scan);
  ASSERT_NE(rst, std::string::npos);
  std::string corrupt = jpeg;
  corrupt[rst + 1] = '\xD3';  // RST3 where RST0 belongs
  const std::string reason = refusal(corrupt);
  EXPECT_EQ(reason.rfind("JPEG: corrupt data ", 0), 0u) << reason;
  EXPECT_NE(reason.find("instead of RST0"), std::string::npos) << reason;
}

TEST(DecodeJpeg, RefusesGarbageAfterTheHeader) {
  const std::string jpeg = encode(photo(), ".jpg");
  const std::size_t scan = jpeg.find("\xFF\xDA");
  const std::string reason = refusal(jpeg.substr(0, scan) + "\xFF\xC4\x00\x03\x00");
  EXPECT_EQ(reason.rfind("JPEG: ", 0), 0u) << reason;
}

TEST(DecodeJpeg, NeverPrints) {
  const std::string jpeg = encode(photo(), ".jpg");
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(decode_jpeg(jpeg.substr(0, jpeg.size() / 2)).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(DecodeJpeg, RandomDamageGivesAnImageOrAReasonNeverACrash) {
  // Run under PATCHQ_SANITIZE=ON this also checks that the longjmp out of libjpeg leaks nothing.
  cv::RNG rng(13);
  for (const std::string& jpeg :
       {encode(photo(64, 48), ".jpg"),
        encode(photo(64, 48), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
        encode(photo(64, 48), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 1})}) {
    for (int round = 0; round < 300; ++round) {
      std::string damaged = jpeg;
      for (int flips = rng.uniform(1, 6); flips > 0; --flips) {
        damaged[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(damaged.size())))] =
            static_cast<char>(rng.uniform(0, 256));
      }
      if (rng.uniform(0, 2) == 0) {
        damaged.resize(static_cast<std::size_t>(rng.uniform(1, static_cast<int>(damaged.size()))));
      }
      const Result<cv::Mat, JpegError> decoded = decode_jpeg(damaged, 64 << 20);
      if (decoded.ok()) {
        EXPECT_FALSE(decoded->empty());
      } else {
        EXPECT_EQ(decoded.error().reason.rfind("JPEG: ", 0), 0u) << decoded.error().reason;
      }
    }
  }
}

TEST(DecodeJpeg, WorkingMemoryLimitRefusesAHugeProgressiveFileCleanly) {
  const std::string jpeg = encode(photo(1024, 1024), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  // The coefficient buffer alone is 1024 x 1024 x 1.5 samples x 2 bytes = 3 MiB.
  const Result<cv::Mat, JpegError> refused = decode_jpeg(jpeg, 1 << 20);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().over_memory_limit);
  EXPECT_EQ(refused.error().reason,
            "JPEG: a progressive (multi-scan) file of 1024x1024 needs more working memory than "
            "the 1048576 bytes allowed");
  EXPECT_TRUE(decode_jpeg(jpeg, 64 << 20).ok());
  // A single-scan file needs no coefficient buffer: any cap lets it through.
  EXPECT_TRUE(decode_jpeg(encode(photo(1024, 1024), ".jpg"), 1).ok());
}

}  // namespace
}  // namespace patchq::patch
