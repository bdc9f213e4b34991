// JpegScan: the Huffman scan of a JPEG without restart markers and the excerpts it cuts, against
// libjpeg's full decode of the same file.
#include "common/patch/jpeg_scan.hpp"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <utility>

#include "common/patch/jpeg_decode.hpp"
#include "tests/unit/patch/jpeg_writer.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

// Grain over gradients with hard edges: large DC differences between distant MCUs.
cv::Mat picture(int width, int height, int type = CV_8UC3) {
  cv::Mat m = noise(width, height, type, 11);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      unsigned char* px = m.ptr<unsigned char>(y) + x * m.channels();
      for (int c = 0; c < m.channels(); ++c) {
        const int level = ((x / 24 + y / 40) % 3) * 100 + (x + 2 * y * (c + 1)) % 50;
        px[c] = static_cast<unsigned char>(std::min(255, level / 2 + px[c] / 3));
      }
    }
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> layouts() {
  const cv::Mat color = picture(203, 171);
  return {
      {encode(color, ".jpg"), "OpenCV 4:2:0"},
      {encode(color, ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1}), "optimized tables"},
      {encode(color, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}), "quality 100"},
      {encode(picture(203, 171, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1}), "gray"},
      {write_jpeg(color, {.luma_h = 1, .luma_v = 1}), "4:4:4"},
      {write_jpeg(color, {.luma_h = 2, .luma_v = 1}), "4:2:2"},
      {write_jpeg(color, {.luma_h = 1, .luma_v = 2}), "4:4:0"},
  };
}

// The pixels an excerpt of `r` gives, compared with the full decode away from its edges (one
// MCU in, but for edges that are the image's own).
void expect_excerpt_matches(const std::string& jpeg, const JpegScan& scan, const cv::Mat& full,
                            const McuRect& r, const std::string& excerpt,
                            const std::string& label) {
  const Result<cv::Mat, JpegError> decoded = decode_jpeg(excerpt);
  ASSERT_TRUE(decoded.ok()) << label << ": " << decoded.error().reason;
  const std::int64_t x0 = r.first_column * scan.mcu_width();
  const std::int64_t y0 = r.first_row * scan.mcu_height();
  ASSERT_EQ(decoded->cols, std::min(scan.width(), r.last_column * scan.mcu_width()) - x0) << label;
  ASSERT_EQ(decoded->rows, std::min(scan.height(), r.last_row * scan.mcu_height()) - y0) << label;
  const int left = r.first_column == 0 ? 0 : static_cast<int>(scan.mcu_width());
  const int top = r.first_row == 0 ? 0 : static_cast<int>(scan.mcu_height());
  const int right = decoded->cols -
                    (r.last_column == scan.mcus_per_row() ? 0 : static_cast<int>(scan.mcu_width()));
  const int bottom =
      decoded->rows - (r.last_row == scan.mcu_rows() ? 0 : static_cast<int>(scan.mcu_height()));
  if (right <= left || bottom <= top) return;  // all margin
  const cv::Rect inside(left, top, right - left, bottom - top);
  const cv::Mat expected = full(inside + cv::Point(static_cast<int>(x0), static_cast<int>(y0)));
  EXPECT_EQ(cv::norm((*decoded)(inside), expected, cv::NORM_INF), 0.0) << label;
  (void)jpeg;
}

TEST(JpegScan, ExcerptsDecodeToTheFullImagesPixels) {
  for (const auto& [jpeg, label] : layouts()) {
    const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
    ASSERT_TRUE(full.ok()) << label;
    std::optional<JpegScan> scan = JpegScan::read(jpeg);
    ASSERT_TRUE(scan) << label;
    const std::int64_t cols = scan->mcus_per_row();
    const std::int64_t rows = scan->mcu_rows();
    const std::vector<McuRect> rects = {
        {0, rows, 0, cols},                // the whole image
        {0, 1, 0, 1},                      // the first MCU
        {rows - 1, rows, cols - 1, cols},  // the last, partial one
        {1, 4, 2, 5},                      // inside
        {2, rows, 1, cols},                // to both far edges
        {3, 5, 0, cols},                   // whole rows
        {1, 3, 3, 4},                      // one column
    };
    ASSERT_TRUE(scan->run(rects)) << label;
    for (std::size_t k = 0; k < rects.size(); ++k) {
      const std::optional<std::string> excerpt = scan->excerpt(k);
      ASSERT_TRUE(excerpt) << label << " rect " << k;
      expect_excerpt_matches(jpeg, *scan, *full, rects[k], *excerpt,
                             label + " rect " + std::to_string(k));
    }
  }
}

// OpenCV's optimized tables hold only the DC sizes the image uses; the difference between two
// distant MCUs can need a larger one, which the excerpt's table gets.
TEST(JpegScan, AnExcerptAddsTheDcSizesItsTablesLack) {
  const std::string jpeg = encode(picture(400, 64), ".jpg", {cv::IMWRITE_JPEG_OPTIMIZE, 1});
  std::optional<JpegScan> scan = JpegScan::read(jpeg);
  ASSERT_TRUE(scan);
  std::vector<McuRect> rects;
  for (std::int64_t c = 0; c + 1 < scan->mcus_per_row(); c += 2) {
    rects.push_back(McuRect{0, scan->mcu_rows(), c, c + 1});
  }
  ASSERT_TRUE(scan->run(rects));
  const auto count = [](const std::string& s, std::string_view what) {
    int n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  int extended = 0;
  const Result<cv::Mat, JpegError> full = decode_jpeg(jpeg);
  ASSERT_TRUE(full.ok());
  for (std::size_t k = 0; k < rects.size(); ++k) {
    const std::optional<std::string> excerpt = scan->excerpt(k);
    ASSERT_TRUE(excerpt);
    if (count(*excerpt, "\xFF\xC4") > count(jpeg, "\xFF\xC4")) ++extended;
    expect_excerpt_matches(jpeg, *scan, *full, rects[k], *excerpt, "column " + std::to_string(k));
  }
  EXPECT_GT(extended, 0) << "no excerpt needed a DC size its table lacked";
}

TEST(JpegScan, ReadsOnlyWhatItCanScan) {
  const cv::Mat color = picture(64, 48);
  EXPECT_TRUE(JpegScan::read(encode(color, ".jpg")));
  EXPECT_FALSE(JpegScan::read(encode(color, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1})));
  EXPECT_FALSE(JpegScan::read(encode(color, ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 2})));
  EXPECT_FALSE(JpegScan::read(without_huffman_tables(write_jpeg(color, {}))))
      << "libjpeg's standard tables are not assumed";
  EXPECT_FALSE(JpegScan::read("not a jpeg"));
  const std::string jpeg = encode(color, ".jpg");
  EXPECT_FALSE(JpegScan::read(jpeg.substr(0, jpeg.find("\xFF\xDA"))));  // no scan
  std::string twelve_bit = jpeg;
  twelve_bit[twelve_bit.find("\xFF\xC0") + 4] = 12;
  EXPECT_FALSE(JpegScan::read(twelve_bit));
}

// run() fails wherever the data is not exactly the frame's MCUs and an end-of-image marker, and
// whenever it succeeds libjpeg decodes the file cleanly too.
TEST(JpegScan, RunFailsOnDamageAndSucceedsOnlyWhereLibjpegDoes) {
  const std::string jpeg = encode(picture(203, 171), ".jpg");
  const std::size_t data = jpeg.find("\xFF\xDA") + 14;  // 3 components: a 12-byte segment
  const auto runs = [](const std::string& bytes) {
    std::optional<JpegScan> scan = JpegScan::read(bytes);
    return scan && scan->run({McuRect{0, 1, 0, 1}});
  };
  EXPECT_TRUE(runs(jpeg));
  EXPECT_FALSE(runs(jpeg.substr(0, jpeg.size() - 2))) << "no end-of-image marker";
  EXPECT_FALSE(runs(jpeg.substr(0, (data + jpeg.size()) / 2) + "\xFF\xD9")) << "truncated";
  EXPECT_FALSE(runs(jpeg.substr(0, jpeg.size() - 2) + "\x12\x34\xFF\xD9")) << "extraneous";
  std::string marker = jpeg;
  marker.replace((data + jpeg.size()) / 2, 2, "\xFF\xD3");
  EXPECT_FALSE(runs(marker)) << "a marker inside the data";
  int failed = 0;
  for (int percent = 5; percent < 100; percent += 5) {
    std::string corrupt = jpeg;
    const std::size_t at = data + (jpeg.size() - data) * static_cast<std::size_t>(percent) / 100;
    for (std::size_t i = at; i < at + 6 && i + 2 < jpeg.size(); ++i) {
      if (corrupt[i] != '\xFF' && corrupt[i - 1] != '\xFF') corrupt[i] ^= 0x5A;
    }
    if (!runs(corrupt)) {
      ++failed;
    } else {
      EXPECT_TRUE(decode_jpeg(corrupt).ok())
          << percent << "%: the scan passed what libjpeg refuses";
    }
  }
  EXPECT_GE(failed, 15) << "flipped bytes are nearly always seen";
  EXPECT_FALSE(JpegScan::read(jpeg)->run({McuRect{0, 1, 0, 1000}})) << "a rect outside";
}

// Split between two threads (the second half from a guessed start), a scan finds the same
// MCUs: its excerpts are byte for byte those of a scan on one thread.
TEST(JpegScan, TwoThreadsFindTheSameMcusAsOne) {
  for (const auto& [jpeg, label] : layouts()) {
    std::optional<JpegScan> one = JpegScan::read(jpeg);
    std::optional<JpegScan> two = JpegScan::read(jpeg);
    ASSERT_TRUE(one && two) << label;
    const std::int64_t cols = one->mcus_per_row();
    const std::int64_t rows = one->mcu_rows();
    const std::vector<McuRect> rects = {{0, rows, 0, cols},
                                        {rows / 2, rows / 2 + 1, 1, 3},
                                        {rows - 2, rows, cols - 3, cols},
                                        {1, rows - 1, cols / 2, cols / 2 + 1}};
    ASSERT_TRUE(one->run(rects));
    EXPECT_FALSE(one->split());
    ASSERT_TRUE(two->run(rects, 2, 64)) << label;
    // Quality 100 codes are long: in so small an image they may not resynchronise in time.
    if (label != "quality 100") {
      EXPECT_TRUE(two->split()) << label << ": the threads' MCU boundaries never met";
    }
    for (std::size_t k = 0; k < rects.size(); ++k) {
      EXPECT_EQ(one->excerpt(k), two->excerpt(k)) << label << " rect " << k;
    }
  }
}

TEST(JpegScan, TwoThreadsRefuseWhatOneRefuses) {
  const std::string jpeg = encode(picture(203, 171), ".jpg");
  const std::size_t data = jpeg.find("\xFF\xDA") + 14;
  const auto runs = [](const std::string& bytes, int threads) {
    std::optional<JpegScan> scan = JpegScan::read(bytes);
    return scan && scan->run({McuRect{0, 1, 0, 1}}, threads, 64);
  };
  int refused = 0;
  for (int percent = 2; percent < 100; percent += 2) {
    std::string corrupt = jpeg;
    const std::size_t at = data + (jpeg.size() - data) * static_cast<std::size_t>(percent) / 100;
    for (std::size_t i = at; i < at + 4 && i + 2 < jpeg.size(); ++i) {
      if (corrupt[i] != '\xFF' && corrupt[i - 1] != '\xFF') corrupt[i] ^= 0x3C;
    }
    const bool alone = runs(corrupt, 1);
    EXPECT_EQ(runs(corrupt, 2), alone) << percent << "%";
    if (!alone) ++refused;
  }
  EXPECT_GE(refused, 40);
  EXPECT_FALSE(runs(jpeg.substr(0, jpeg.size() - 2), 2)) << "no end-of-image marker";
  EXPECT_FALSE(runs(jpeg.substr(0, jpeg.size() - 2) + "\x12\xFF\xD9", 2)) << "extraneous";
}

}  // namespace
}  // namespace patchq::patch
