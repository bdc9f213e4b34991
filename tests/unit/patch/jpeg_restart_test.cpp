// index_restart_intervals / restart_excerpt: the intervals are found from the markers alone, and
// an excerpt of whole intervals is a JPEG whose pixels are the full image's rows (away from its
// top and bottom edges, where chroma upsampling has no neighbour row).
#include "common/patch/jpeg_restart.hpp"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "common/patch/jpeg_decode.hpp"
#include "tests/unit/patch/jpeg_writer.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

cv::Mat picture(int width, int height, int type = CV_8UC3) {
  cv::Mat m = noise(width, height, type, 5);
  cv::GaussianBlur(m, m, cv::Size(5, 5), 0);  // photo-like: mostly smooth, some grain left
  return m;
}

TEST(JpegRestartIndex, FindsEveryIntervalOfAnIntactFile) {
  // 200x160 at 4:2:0: 13 MCUs a row, 10 MCU rows; an interval of 4 MCUs gives 33 intervals.
  const std::string jpeg = encode(picture(200, 160), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 4});
  const std::optional<JpegRestartIndex> index = index_restart_intervals(jpeg);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->width, 200);
  EXPECT_EQ(index->height, 160);
  EXPECT_EQ(index->mcu_height, 16);
  EXPECT_EQ(index->mcus_per_row, 13);
  EXPECT_EQ(index->mcu_rows, 10);
  EXPECT_EQ(index->restart_interval, 4);
  ASSERT_EQ(index->begin.size(), 33u);
  ASSERT_EQ(index->end.size(), 33u);
  EXPECT_EQ(jpeg.substr(index->end.back(), 2), "\xFF\xD9");
  for (std::size_t k = 0; k + 1 < index->end.size(); ++k) {
    EXPECT_EQ(static_cast<unsigned char>(jpeg[index->end[k]]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(jpeg[index->end[k] + 1]), 0xD0 + k % 8) << k;
    EXPECT_EQ(index->begin[k + 1], index->end[k] + 2);
  }
  // Gray: one block per MCU. 4:4:4: 8-row MCUs.
  const std::optional<JpegRestartIndex> gray = index_restart_intervals(
      encode(picture(200, 160, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 25}));
  ASSERT_TRUE(gray.has_value());
  EXPECT_EQ(gray->mcus_per_row, 25);
  EXPECT_EQ(gray->mcu_rows, 20);
  EXPECT_EQ(gray->begin.size(), 20u);
  const std::optional<JpegRestartIndex> full_chroma = index_restart_intervals(
      write_jpeg(picture(200, 160), {.luma_h = 1, .luma_v = 1, .restart_rows = 1}));
  ASSERT_TRUE(full_chroma.has_value());
  EXPECT_EQ(full_chroma->mcu_height, 8);
  EXPECT_EQ(full_chroma->begin.size(), 20u);
}

TEST(JpegRestartIndex, RefusesWhatItCannotVouchFor) {
  const std::string jpeg = encode(picture(200, 160), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 13});
  ASSERT_TRUE(index_restart_intervals(jpeg).has_value());
  EXPECT_FALSE(index_restart_intervals(encode(picture(200, 160), ".jpg")).has_value())
      << "no restart interval";
  EXPECT_FALSE(index_restart_intervals(
                   encode(picture(200, 160), ".jpg",
                          {cv::IMWRITE_JPEG_RST_INTERVAL, 13, cv::IMWRITE_JPEG_PROGRESSIVE, 1}))
                   .has_value())
      << "progressive";
  EXPECT_FALSE(index_restart_intervals(jpeg.substr(0, jpeg.size() / 2)).has_value()) << "truncated";
  EXPECT_FALSE(index_restart_intervals(jpeg.substr(0, jpeg.size() - 2)).has_value()) << "no EOI";
  const std::size_t rst = jpeg.find("\xFF\xD3", jpeg.find("\xFF\xDA"));
  ASSERT_NE(rst, std::string::npos);
  std::string swapped = jpeg;
  swapped[rst + 1] = '\xD4';
  EXPECT_FALSE(index_restart_intervals(swapped).has_value()) << "a marker out of order";
  std::string lost = jpeg;
  lost.erase(rst, 2);
  EXPECT_FALSE(index_restart_intervals(lost).has_value()) << "a marker missing";
  std::string foreign = jpeg;
  foreign[rst + 1] = '\xE1';
  EXPECT_FALSE(index_restart_intervals(foreign).has_value()) << "another marker inside the scan";
  EXPECT_FALSE(index_restart_intervals("").has_value());
  EXPECT_FALSE(index_restart_intervals(std::string("\xFF\xD8\xFF", 3)).has_value());
}

TEST(JpegRestartExcerpt, DecodesToTheFullImagesRows) {
  for (const std::string& jpeg :
       {encode(picture(203, 300), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 13}),
        encode(picture(203, 300), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 5}),
        write_jpeg(picture(203, 300), {.luma_h = 1, .luma_v = 1, .restart_rows = 2}),
        write_jpeg(picture(203, 300), {.luma_h = 1, .luma_v = 2, .restart_rows = 1}),
        encode(picture(203, 300, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 26})}) {
    const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
    ASSERT_TRUE(full.ok()) << full.error().reason;
    const std::optional<JpegRestartIndex> index = index_restart_intervals(jpeg);
    ASSERT_TRUE(index.has_value());
    for (const auto& [y0, y1] : {std::pair{0, 1}, std::pair{100, 140}, std::pair{299, 300}}) {
      const McuRowSpan span = aligned_mcu_rows(*index, y0, y1);
      const std::int64_t top = span.first * index->mcu_height;
      ASSERT_LE(top, y0);
      ASSERT_GE(std::min(span.last * index->mcu_height, index->height), y1);
      const Result<cv::Mat, JpegError> part = decode_jpeg(restart_excerpt(jpeg, *index, span));
      ASSERT_TRUE(part.ok()) << part.error().reason;
      ASSERT_EQ(part->cols, full->cols);
      ASSERT_EQ(part->rows, std::min(span.last * index->mcu_height, index->height) - top);
      // Rows at the excerpt's edges inside the image may differ (upsampling); the rest must not.
      const int skip_top = top > 0 ? 2 : 0;
      const int skip_bottom = span.last < index->mcu_rows ? 2 : 0;
      const cv::Rect rows(0, skip_top, part->cols, part->rows - skip_top - skip_bottom);
      EXPECT_EQ(cv::norm((*part)(rows), (*full)(rows + cv::Point(0, static_cast<int>(top))),
                         cv::NORM_INF),
                0.0)
          << "rows " << y0 << ".." << y1;
    }
  }
}

}  // namespace
}  // namespace patchq::patch
