// Truncated and corrupt files of every accepted format, through cut_tiles: each is refused with
// a reason and no tile, never tiled with invented pixels. (Formats without checksums over their
// pixels, uncompressed TIFF and BMP and lossy WebP, cannot show flipped pixel bytes; that limit
// is documented in docs/ENGINE.md, the tests here corrupt what each format can detect.)
#include <gtest/gtest.h>

#include "common/patch/tiler.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

TileOptions quiet() {
  TileOptions options;
  options.log_skips = false;
  return options;
}

webhook::Item one_patch() {
  webhook::Item item;
  item.item_id = "item-1";
  item.name = "scene.png";
  item.annotations = {{"a", "patch", webhook::BoundingBox{0, 0, 16, 16}}};
  return item;
}

// Smooth enough to compress like a photo, so each format's data is more than its headers.
cv::Mat picture(int type = CV_8UC3) {
  cv::Mat m(120, 160, type);
  const double top = CV_MAT_DEPTH(type) == CV_16U ? 65535.0 : 255.0;
  for (int y = 0; y < m.rows; ++y) {
    for (int x = 0; x < m.cols; ++x) {
      for (int c = 0; c < m.channels(); ++c) {
        const double v = top * ((x * (c + 1) + y * 2) % 160) / 160.0;
        if (CV_MAT_DEPTH(type) == CV_16U) {
          m.ptr<std::uint16_t>(y)[x * m.channels() + c] = static_cast<std::uint16_t>(v);
        } else {
          m.ptr<std::uint8_t>(y)[x * m.channels() + c] = static_cast<std::uint8_t>(v);
        }
      }
    }
  }
  return m;
}

struct Sample {
  const char* label;
  std::string bytes;
};

std::vector<Sample> every_format() {
  return {
      {"JPEG", encode(picture(), ".jpg")},
      {"JPEG progressive", encode(picture(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
      {"PNG", encode(picture(), ".png")},
      {"PNG 16-bit RGBA", encode(picture(CV_16UC4), ".png")},
      {"TIFF (LZW)", encode(picture(), ".tiff")},
      {"TIFF uncompressed", encode(picture(), ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, 1})},
      {"TIFF 16-bit", encode(picture(CV_16UC3), ".tiff")},
      {"WebP lossy", encode(picture(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80})},
      {"WebP lossless", encode(picture(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101})},
      {"BMP", encode(picture(), ".bmp")},
  };
}

void expect_refused(const std::string& bytes, const std::string& label) {
  const TileResult result = cut_tiles(one_patch(), bytes, quiet());
  EXPECT_FALSE(result.ok()) << label << " was tiled";
  EXPECT_TRUE(result.status == TileStatus::decode_failed || result.status == TileStatus::bad_header)
      << label << ": " << status_name(result.status) << ": " << result.error;
  EXPECT_FALSE(result.error.empty()) << label;
  EXPECT_TRUE(result.tiles.empty()) << label;
}

TEST(DamagedImages, EveryFormatDecodesWhole) {
  for (const Sample& sample : every_format()) {
    ASSERT_FALSE(sample.bytes.empty()) << sample.label;
    const TileResult result = cut_tiles(one_patch(), sample.bytes, quiet());
    EXPECT_TRUE(result.ok()) << sample.label << ": " << result.error;
  }
}

TEST(DamagedImages, EveryTruncationOfEveryFormatIsRefused) {
  for (const Sample& sample : every_format()) {
    for (int percent = 1; percent < 100; percent += 4) {
      const std::size_t size = sample.bytes.size() * static_cast<std::size_t>(percent) / 100;
      expect_refused(sample.bytes.substr(0, size),
                     std::string(sample.label) + " cut at " + std::to_string(percent) + "%");
    }
    expect_refused(sample.bytes.substr(0, sample.bytes.size() - 1),
                   std::string(sample.label) + " without its last byte");
  }
}

TEST(DamagedImages, TruncatedJpegNamesTheRowsThatWereReal) {
  const std::string jpeg = encode(picture(), ".jpg");
  const TileResult result = cut_tiles(one_patch(), jpeg.substr(0, jpeg.size() * 2 / 3), quiet());
  EXPECT_EQ(result.status, TileStatus::decode_failed);
  EXPECT_EQ(result.error.rfind("JPEG: premature end of data after ", 0), 0u) << result.error;
  EXPECT_NE(result.error.find(" of 120 rows"), std::string::npos) << result.error;
}

// XORs 8 bytes at `percent` of the file.
std::string flipped(const std::string& bytes, int percent) {
  std::string out = bytes;
  const std::size_t at = bytes.size() * static_cast<std::size_t>(percent) / 100;
  for (std::size_t i = at; i < at + 8 && i < out.size(); ++i) {
    out[i] = static_cast<char>(out[i] ^ 0xA5);
  }
  return out;
}

TEST(DamagedImages, CorruptJpegDataIsRefused) {
  const std::string jpeg = encode(noise(160, 120, CV_8UC3), ".jpg");
  for (int percent : {20, 50, 80}) {
    const TileResult result = cut_tiles(one_patch(), flipped(jpeg, percent), quiet());
    EXPECT_EQ(result.status, TileStatus::decode_failed) << percent << "%";
    EXPECT_EQ(result.error.rfind("JPEG: corrupt data ", 0), 0u) << result.error;
  }
}

TEST(DamagedImages, CorruptPngDataFailsItsChecksum) {
  const std::string png = encode(picture(), ".png");
  for (int percent : {20, 50, 80}) expect_refused(flipped(png, percent), "PNG flipped");
}

TEST(DamagedImages, TiffWhoseStripsPointPastTheEndIsRefused) {
  // The strip offsets (tag 273) are the one TIFF structure a decoder can check; here the first
  // strip is moved beyond the file.
  std::string tiff = encode(picture(), ".tiff", {cv::IMWRITE_TIFF_COMPRESSION, 1});
  const auto le32_at = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(tiff[i]) |
                                      static_cast<unsigned char>(tiff[i + 1]) << 8 |
                                      static_cast<unsigned char>(tiff[i + 2]) << 16 |
                                      static_cast<unsigned char>(tiff[i + 3]) << 24);
  };
  ASSERT_EQ(tiff.substr(0, 4), std::string("II*\0", 4));
  const std::uint32_t ifd = le32_at(4);
  const unsigned entries = static_cast<unsigned char>(tiff[ifd]);
  bool moved = false;
  for (unsigned e = 0; e < entries; ++e) {
    const std::size_t at = ifd + 2 + e * 12;
    const unsigned tag =
        static_cast<unsigned char>(tiff[at]) | static_cast<unsigned char>(tiff[at + 1]) << 8;
    if (tag != 273) continue;
    const std::uint32_t count = le32_at(at + 4);
    const std::size_t first = count == 1 ? at + 8 : le32_at(at + 8);
    tiff.replace(first, 4, le32(static_cast<std::uint32_t>(tiff.size() + 1000)));
    moved = true;
  }
  ASSERT_TRUE(moved);
  expect_refused(tiff, "TIFF strip past the end");
}

TEST(DamagedImages, WebPWithABrokenBitstreamHeaderIsRefused) {
  // The VP8 frame tag and the VP8L transform bits are checked by libwebp; pixel data of lossy
  // WebP has no checksum.
  const std::string lossy = encode(picture(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
  std::string broken = lossy;
  broken[20 + 10] = static_cast<char>(broken[20 + 10] ^ 0xFF);  // first partition header
  broken[20 + 11] = static_cast<char>(broken[20 + 11] ^ 0xFF);
  expect_refused(broken, "WebP lossy with a broken partition header");
  const std::string lossless = encode(picture(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101});
  expect_refused(flipped(lossless, 3), "WebP lossless with broken transforms");
}

TEST(DamagedImages, BmpWhosePixelsStartPastTheEndIsRefused) {
  std::string bmp = encode(picture(), ".bmp");
  bmp.replace(10, 4, le32(static_cast<std::uint32_t>(bmp.size() + 1000)));  // bfOffBits
  expect_refused(bmp, "BMP with its pixel offset past the end");
}

}  // namespace
}  // namespace patchq::patch
