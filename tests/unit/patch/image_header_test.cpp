// Image header reader: size (and EXIF orientation) from the header of every accepted format,
// refusal of everything else, and no out-of-bounds read on any truncation.
#include "common/patch/image_header.hpp"

#include <gtest/gtest.h>

#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

void expect_size(const std::string& bytes, ImageFormat format, std::int64_t w, std::int64_t h) {
  const HeaderResult r = read_image_header(bytes);
  ASSERT_TRUE(r.header.has_value()) << r.error;
  EXPECT_EQ(r.header->format, format);
  EXPECT_EQ(r.header->width, w);
  EXPECT_EQ(r.header->height, h);
}

TEST(ImageHeader, ReadsTheSizeOfEveryAcceptedFormat) {
  const cv::Mat bgr = noise(37, 23, CV_8UC3);
  expect_size(encode(bgr, ".jpg"), ImageFormat::jpeg, 37, 23);
  expect_size(encode(bgr, ".png"), ImageFormat::png, 37, 23);
  expect_size(encode(bgr, ".tiff"), ImageFormat::tiff, 37, 23);
  expect_size(encode(bgr, ".bmp"), ImageFormat::bmp, 37, 23);
}

TEST(ImageHeader, ReadsAllThreeWebPKinds) {
  const std::string lossy = encode(noise(37, 23, CV_8UC3), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  const std::string lossless =
      encode(noise(37, 23, CV_8UC3), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  const std::string alpha = encode(noise(37, 23, CV_8UC4), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  EXPECT_EQ(lossy.substr(12, 4), "VP8 ");
  EXPECT_EQ(lossless.substr(12, 4), "VP8L");
  EXPECT_EQ(alpha.substr(12, 4), "VP8X");
  expect_size(lossy, ImageFormat::webp, 37, 23);
  expect_size(lossless, ImageFormat::webp, 37, 23);
  expect_size(alpha, ImageFormat::webp, 37, 23);
}

TEST(ImageHeader, ReadsTopDownBmpHeights) {
  std::string bmp = "BM" + le32(0) + le32(0) + le32(54);  // file header
  bmp += le32(40) + le32(300) + le32(static_cast<std::uint32_t>(-200));
  expect_size(bmp, ImageFormat::bmp, 300, 200);
}

TEST(ImageHeader, ReadsJpegExifOrientation) {
  const std::string jpeg = encode(noise(40, 20, CV_8UC3), ".jpg");
  EXPECT_EQ(read_image_header(jpeg).header->orientation, 1);
  for (int o = 1; o <= 8; ++o) {
    const HeaderResult r = read_image_header(with_orientation(jpeg, o));
    ASSERT_TRUE(r.header) << r.error;
    EXPECT_EQ(r.header->orientation, o);
    EXPECT_EQ(r.header->width, 40);  // the stored size; orientation is applied after decoding
  }
}

TEST(ImageHeader, IgnoresOutOfRangeOrientations) {
  EXPECT_EQ(tiff_orientation(exif_segment(9).substr(10)), 1);
  EXPECT_EQ(tiff_orientation(exif_segment(6).substr(10)), 6);
  EXPECT_EQ(tiff_orientation("II*"), 1);
}

TEST(ImageHeader, RefusesGifWithTheMagicBytes) {
  const HeaderResult r = read_image_header(std::string("GIF89a\x01\x00\x01\x00", 10));
  EXPECT_FALSE(r.header);
  EXPECT_TRUE(r.unsupported_format);
  EXPECT_EQ(r.error,
            "unsupported image format (first bytes: 47 49 46 38 39 61 01 00); patchq accepts "
            "JPEG, PNG, TIFF, WebP and BMP");
}

TEST(ImageHeader, RefusesRandomBytesAndEmptyInput) {
  EXPECT_TRUE(read_image_header("\x13\x37 random bytes").unsupported_format);
  const HeaderResult empty = read_image_header("");
  EXPECT_TRUE(empty.unsupported_format);
  EXPECT_EQ(empty.error.rfind("unsupported image format (first bytes: none)", 0), 0u);
}

TEST(ImageHeader, ReportsTruncatedHeaders) {
  EXPECT_EQ(read_image_header("\x89PNG\r\n\x1A\n").error, "truncated PNG header");
  EXPECT_EQ(read_image_header("\xFF\xD8\xFF").error,
            "truncated JPEG header (no frame header found)");
  EXPECT_EQ(read_image_header(std::string("RIFF\0\0\0\0WEBP", 12)).error, "truncated WebP header");
}

TEST(ImageHeader, RefusesEmptySizes) {
  EXPECT_EQ(read_image_header(png_header_only(0, 5)).error, "PNG header gives an empty size 0x5");
}

TEST(ImageHeader, NeverReadsPastAnyTruncation) {
  // Every prefix of a real header either fails with a reason or reads the right size.
  const cv::Mat bgr = noise(37, 23, CV_8UC3);
  for (const char* ext : {".jpg", ".png", ".tiff", ".bmp", ".webp"}) {
    const std::string full = encode(bgr, ext);
    for (std::size_t n = 0; n < std::min<std::size_t>(full.size(), 700); ++n) {
      const HeaderResult r = read_image_header(std::string_view(full).substr(0, n));
      if (r.header) {
        EXPECT_EQ(r.header->width, 37) << ext << " prefix " << n;
        EXPECT_EQ(r.header->height, 23) << ext << " prefix " << n;
      } else {
        EXPECT_FALSE(r.error.empty());
      }
    }
  }
}

}  // namespace
}  // namespace patchq::patch
