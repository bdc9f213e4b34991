// Image header reader: size (and EXIF orientation) from the header of every accepted format,
// refusal of everything else, and no out-of-bounds read on any truncation.
#include "common/patch/image_header.hpp"

#include <gtest/gtest.h>

#include "common/patch/jpeg_decode.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/patch/jpeg_writer.hpp"
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

// The channels and sample size read from the header are what the decoder then produces, so the
// decoded-byte limit can be checked before decoding.
void expect_layout_of_decode(const std::string& bytes, const std::string& label) {
  const HeaderResult r = read_image_header(bytes);
  ASSERT_TRUE(r.header) << label << ": " << r.error;
  const cv::Mat decoded =
      cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(decoded.empty()) << label;
  EXPECT_EQ(r.header->channels, decoded.channels()) << label;
  EXPECT_EQ(static_cast<std::size_t>(r.header->bytes_per_sample), decoded.elemSize1()) << label;
  EXPECT_EQ(decoded_bytes(*r.header), decoded.total() * decoded.elemSize()) << label;
}

TEST(ImageHeader, PredictsTheDecodedLayoutOfEveryFormat) {
  const cv::Mat gray = noise(37, 23, CV_8UC1);
  const cv::Mat bgr = noise(37, 23, CV_8UC3);
  const cv::Mat bgra = noise(37, 23, CV_8UC4);
  const cv::Mat gray16 = noise(37, 23, CV_16UC1);
  const cv::Mat bgr16 = noise(37, 23, CV_16UC3);
  const cv::Mat bgra16 = noise(37, 23, CV_16UC4);
  expect_layout_of_decode(encode(gray, ".jpg"), "JPEG gray");
  expect_layout_of_decode(encode(bgr, ".jpg"), "JPEG colour");
  expect_layout_of_decode(
      patchq::testing::read_file(patchq::testing::source_path("tests/data/patch/cmyk_32x16.jpg")),
      "JPEG CMYK");
  expect_layout_of_decode(encode(gray, ".png"), "PNG gray");
  expect_layout_of_decode(encode(gray, ".png", {cv::IMWRITE_PNG_BILEVEL, 1}), "PNG 1-bit");
  expect_layout_of_decode(encode(bgr, ".png"), "PNG RGB");
  expect_layout_of_decode(with_png_chunk(encode(bgr, ".png"), "tRNS", std::string(6, '\0')),
                          "PNG RGB with tRNS");
  expect_layout_of_decode(encode(bgra, ".png"), "PNG RGBA");
  expect_layout_of_decode(encode(gray16, ".png"), "PNG gray 16");
  expect_layout_of_decode(encode(bgr16, ".png"), "PNG RGB 16");
  expect_layout_of_decode(encode(bgra16, ".png"), "PNG RGBA 16");
  expect_layout_of_decode(encode(gray, ".tiff"), "TIFF gray");
  expect_layout_of_decode(encode(bgr, ".tiff"), "TIFF RGB");
  expect_layout_of_decode(encode(bgra, ".tiff"), "TIFF RGBA");
  expect_layout_of_decode(encode(gray16, ".tiff"), "TIFF gray 16");
  expect_layout_of_decode(encode(bgr16, ".tiff"), "TIFF RGB 16");
  expect_layout_of_decode(encode(bgra16, ".tiff"), "TIFF RGBA 16");
  expect_layout_of_decode(encode(cv::Mat(23, 37, CV_32FC1, cv::Scalar(0.5)), ".tiff"),
                          "TIFF float");
  expect_layout_of_decode(encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), "WebP lossy");
  expect_layout_of_decode(encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}), "WebP lossless");
  expect_layout_of_decode(encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}), "WebP alpha");
  expect_layout_of_decode(encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}),
                          "WebP lossless alpha");
  expect_layout_of_decode(encode(gray, ".bmp"), "BMP gray palette");
  expect_layout_of_decode(encode(bgr, ".bmp"), "BMP 24-bit");
  expect_layout_of_decode(encode(bgra, ".bmp"), "BMP 32-bit BI_RGB");
  expect_layout_of_decode(bmp_with_alpha(bgra), "BMP 32-bit bitfields");
}

TEST(ImageHeader, DecodedBytesCountsDepthAndChannels) {
  // Issue #13's PNG: 20000x20000, 16-bit RGBA.
  const HeaderResult r = read_image_header(png_header_only(20000, 20000, 16, 6));
  ASSERT_TRUE(r.header) << r.error;
  EXPECT_EQ(r.header->channels, 4);
  EXPECT_EQ(r.header->bytes_per_sample, 2);
  EXPECT_EQ(decoded_bytes(*r.header), 3'200'000'000u);
  ImageHeader huge{ImageFormat::tiff, 0xFFFFFFFF, 0xFFFFFFFF, 1, 4, 8};
  EXPECT_EQ(decoded_bytes(huge), UINT64_MAX) << "saturates instead of wrapping";
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

namespace patchq::patch {
namespace {

std::uint64_t coefficients_of(const std::string& jpeg) {
  const HeaderResult r = read_image_header(jpeg);
  if (!r.header) ADD_FAILURE() << r.error;
  return r.header ? r.header->coefficient_bytes : 0;
}

TEST(ImageHeader, CountsTheCoefficientsAProgressiveJpegBuffers) {
  using test_images::encode;
  using test_images::noise;
  using test_images::write_jpeg;
  const cv::Mat colour = noise(1024, 1024, CV_8UC3);
  // 4:2:0: 128x128 luma blocks and 64x64 of each chroma, 128 bytes a block.
  const std::string progressive = encode(colour, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  EXPECT_EQ(coefficients_of(progressive), 3'145'728u);
  EXPECT_EQ(coefficients_of(encode(colour, ".jpg")), 0u);  // one scan buffers nothing
  // 4:4:4: every component full size; 100 px gray: 13x13 blocks (partial blocks count whole).
  EXPECT_EQ(coefficients_of(write_jpeg(noise(512, 512, CV_8UC3),
                                       {.luma_h = 1, .luma_v = 1, .progressive = true})),
            3u * 64 * 64 * 128);
  EXPECT_EQ(
      coefficients_of(encode(noise(100, 100, CV_8UC1), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1})),
      13u * 13 * 128);
  // libjpeg agrees: the count plus a little working memory decodes it, 90 % of it does not.
  const std::uint64_t needed = coefficients_of(progressive);
  EXPECT_TRUE(decode_jpeg(progressive, needed + (256 << 10)).ok());
  const auto refused = decode_jpeg(progressive, needed / 10 * 9);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().over_memory_limit);
}

}  // namespace
}  // namespace patchq::patch
