// cut_tiles end to end on synthetic images: pixel-exact tiles, pixel formats, EXIF orientation,
// refusals before decoding, streaming and parallel encoding.
#include "common/patch/tiler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <opencv2/imgproc.hpp>

#include "common/patch/tile_name.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/patch/test_images.hpp"

namespace patchq::patch {
namespace {

using namespace test_images;

webhook::Annotation box(std::string id, std::string name, double x, double y, double w, double h) {
  return webhook::Annotation{std::move(id), std::move(name), webhook::BoundingBox{x, y, w, h}};
}

webhook::Item item_with(std::vector<webhook::Annotation> annotations,
                        std::string name = "scene.v2.png") {
  webhook::Item item;
  item.item_id = "item-1";
  item.name = std::move(name);
  item.annotations = std::move(annotations);
  return item;
}

TileOptions quiet() {
  TileOptions options;
  options.log_skips = false;
  return options;
}

// Decodes a tile and checks it equals the source pixels under the rect it claims.
void expect_exact(const Tile& tile, const cv::Mat& source) {
  const cv::Mat decoded = decode(tile.bytes);
  ASSERT_FALSE(decoded.empty()) << tile.name;
  const cv::Mat expected =
      source(cv::Rect(static_cast<int>(tile.rect.x), static_cast<int>(tile.rect.y),
                      static_cast<int>(tile.rect.w), static_cast<int>(tile.rect.h)));
  ASSERT_EQ(decoded.type(), expected.type()) << tile.name;
  ASSERT_EQ(decoded.size(), expected.size()) << tile.name;
  EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0) << tile.name;
}

cv::Mat opencv_like_decode(const std::string& bytes) {
  return cv::imdecode(std::vector<unsigned char>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
}

TEST(CutTiles, ThumbnailsAreSmallJpegsOfTheirTileWhenAskedFor) {
  const cv::Mat source = noise(900, 700, CV_8UC3);
  const auto item = item_with({box("t", "patch (1x2)", 0, 0, 800, 300)});  // 400x300 tiles
  TileOptions options = quiet();
  const TileResult plain = cut_tiles(item, encode(source, ".png"), options);
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_TRUE(plain.tiles.at(0).thumbnail.empty());  // only when asked for
  options.thumbnail_max_side = 100;
  const TileResult result = cut_tiles(item, encode(source, ".png"), options);
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.tiles.size(), 2u);
  for (const Tile& tile : result.tiles) {
    ASSERT_GE(tile.thumbnail.size(), 3u);
    EXPECT_EQ(tile.thumbnail[0], 0xFF);  // a JPEG
    EXPECT_EQ(tile.thumbnail[1], 0xD8);
    const cv::Mat thumb = decode(tile.thumbnail);
    EXPECT_EQ(thumb.cols, 100);  // the longer side, scaled to the limit
    EXPECT_EQ(thumb.rows, 75);   // aspect kept
    expect_exact(tile, source);  // the tile itself is unchanged
  }
}

TEST(CutTiles, TilesArePixelExactAndCoverAnOddBoxOnce) {
  const cv::Mat source = noise(1200, 1100, CV_8UC3);
  // Edges 50.2 -> 50, 1051.2 -> 1051 (1001 px); 40.7 -> 41, 1037.7 -> 1038 (997 px).
  const auto item = item_with({box("odd", "patch (7x3)", 50.2, 40.7, 1001.0, 997.0)});
  const TileResult result = cut_tiles(item, encode(source, ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.tiles.size(), 21u);
  cv::Mat hits = cv::Mat::zeros(source.size(), CV_32S);
  for (const Tile& tile : result.tiles) {
    expect_exact(tile, source);
    hits(cv::Rect(static_cast<int>(tile.rect.x), static_cast<int>(tile.rect.y),
                  static_cast<int>(tile.rect.w), static_cast<int>(tile.rect.h))) += 1;
  }
  const cv::Rect box(50, 41, 1001, 997);
  EXPECT_EQ(cv::countNonZero(hits(box) != 1), 0);  // every box pixel exactly once
  EXPECT_EQ(cv::countNonZero(hits), box.area());   // and nothing outside the box
  EXPECT_EQ(result.tile_count, 21);
}

TEST(CutTiles, NamesTilesInPlanOrder) {
  const auto item =
      item_with({box("b-2", "patch (2x2)", 0, 0, 40, 40), box("a-1", "crop", 0, 0, 8, 8)});
  const TileResult result = cut_tiles(item, encode(noise(64, 64, CV_8UC3), ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  std::vector<std::string> names;
  for (const Tile& t : result.tiles) names.push_back(t.name);
  const std::string b2 = "scene.v2_b-2_" + box_key({0, 0, 40, 40}, {2, 2});
  const std::string a1 = "scene.v2_a-1_" + box_key({0, 0, 8, 8}, {1, 1});
  EXPECT_EQ(names, (std::vector<std::string>{b2 + "_r0c0.png", b2 + "_r0c1.png", b2 + "_r1c0.png",
                                             b2 + "_r1c1.png", a1 + "_r0c0.png"}));
  EXPECT_EQ(result.tiles[2].row, 1);
  EXPECT_EQ(result.tiles[2].col, 0);
  EXPECT_EQ(result.tiles[2].annotation_id, "b-2");
  EXPECT_EQ(result.tiles[2].rect, (PixelRect{0, 20, 20, 20}));
}

TEST(CutTiles, GrayscaleStaysOneChannel) {
  const cv::Mat source = noise(90, 70, CV_8UC1);
  const TileResult result = cut_tiles(item_with({box("g", "patch (2x3)", 5, 5, 60, 50)}),
                                      encode(source, ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.channels, 1);
  for (const Tile& tile : result.tiles) expect_exact(tile, source);
}

TEST(CutTiles, AlphaIsKept) {
  const cv::Mat source = noise(90, 70, CV_8UC4);
  const TileResult result = cut_tiles(item_with({box("a", "patch (2x2)", 5, 5, 60, 50)}),
                                      encode(source, ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.channels, 4);
  for (const Tile& tile : result.tiles) expect_exact(tile, source);
}

TEST(CutTiles, AlphaSurvivesLosslessWebPTiles) {
  // libwebp may rewrite the colour of fully transparent pixels, so alpha stays >= 1 here.
  cv::Mat source = noise(64, 48, CV_8UC4);
  std::vector<cv::Mat> planes;
  cv::split(source, planes);
  cv::max(planes[3], 1, planes[3]);
  cv::merge(planes, source);
  TileOptions options = quiet();
  options.encode = EncodeOptions{TileFormat::webp, 101};
  const TileResult result =
      cut_tiles(item_with({box("a", "patch", 0, 0, 64, 48)}), encode(source, ".png"), options);
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.tiles.size(), 1u);
  EXPECT_TRUE(result.tiles[0].name.ends_with("_r0c0.webp")) << result.tiles[0].name;
  expect_exact(result.tiles[0], source);
}

TEST(CutTiles, SixteenBitPngStaysSixteenBitInPngTiles) {
  const cv::Mat source = noise(80, 60, CV_16UC3);
  const TileResult result = cut_tiles(item_with({box("d", "patch (3x2)", 0, 0, 80, 60)}),
                                      encode(source, ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.bit_depth, 16);
  for (const Tile& tile : result.tiles) expect_exact(tile, source);
}

TEST(CutTiles, SixteenBitTiffStaysSixteenBitInPngTiles) {
  const cv::Mat source = noise(80, 60, CV_16UC1);
  const TileResult result = cut_tiles(item_with({box("d", "patch (2x2)", 0, 0, 80, 60)}),
                                      encode(source, ".tiff"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.source_format, ImageFormat::tiff);
  EXPECT_EQ(result.bit_depth, 16);
  for (const Tile& tile : result.tiles) expect_exact(tile, source);
}

TEST(CutTiles, SixteenBitIsScaledToEightBitForWebPAndJpeg) {
  // Samples 257 * k map to exactly k (v / 257); lossless WebP lets us compare exactly.
  cv::Mat eight = noise(32, 32, CV_8UC3);
  cv::Mat sixteen;
  eight.convertTo(sixteen, CV_16U, 257.0);
  TileOptions options = quiet();
  options.encode = EncodeOptions{TileFormat::webp, 101};
  const auto item = item_with({box("s", "patch", 0, 0, 32, 32)});
  const TileResult webp = cut_tiles(item, encode(sixteen, ".png"), options);
  ASSERT_TRUE(webp.ok()) << webp.error;
  const cv::Mat decoded = decode(webp.tiles.at(0).bytes);
  ASSERT_EQ(decoded.depth(), CV_8U);
  EXPECT_EQ(cv::norm(decoded, eight, cv::NORM_INF), 0.0);

  options.encode = EncodeOptions{TileFormat::jpeg, 95};
  const TileResult jpeg = cut_tiles(item, encode(sixteen, ".png"), options);
  ASSERT_TRUE(jpeg.ok()) << jpeg.error;
  EXPECT_EQ(decode(jpeg.tiles.at(0).bytes).depth(), CV_8U);
}

TEST(CutTiles, JpegTilesDropAlpha) {
  TileOptions options = quiet();
  options.encode = EncodeOptions{TileFormat::jpeg, 90};
  const TileResult result = cut_tiles(item_with({box("j", "patch", 0, 0, 16, 16)}),
                                      encode(noise(16, 16, CV_8UC4), ".png"), options);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.tiles.at(0).name.ends_with("_r0c0.jpg")) << result.tiles.at(0).name;
  EXPECT_EQ(decode(result.tiles.at(0).bytes).channels(), 3);
}

TEST(CutTiles, CmykJpegComesOutAsBgr) {
  // Fixture: 32x16, left half cyan ink, right half magenta ink (see make_cmyk_jpeg.cpp).
  const std::string cmyk =
      patchq::testing::read_file(patchq::testing::source_path("tests/data/patch/cmyk_32x16.jpg"));
  const TileResult result =
      cut_tiles(item_with({box("c", "patch (1x2)", 0, 0, 32, 16)}), cmyk, quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.channels, 3);
  ASSERT_EQ(result.tiles.size(), 2u);
  const cv::Scalar left = cv::mean(decode(result.tiles[0].bytes));
  const cv::Scalar right = cv::mean(decode(result.tiles[1].bytes));
  // BGR order: cyan = (255, 255, 0), magenta = (255, 0, 255).
  EXPECT_GT(left[0], 240);
  EXPECT_GT(left[1], 240);
  EXPECT_LT(left[2], 15);
  EXPECT_GT(right[0], 240);
  EXPECT_LT(right[1], 15);
  EXPECT_GT(right[2], 240);
}

// A 64x32 JPEG, left half red and right half blue, tagged "rotate 90° clockwise to view".
std::string rotated_jpeg() {
  cv::Mat stored(32, 64, CV_8UC3, cv::Scalar(0, 0, 255));
  stored(cv::Rect(32, 0, 32, 32)).setTo(cv::Scalar(255, 0, 0));
  return with_orientation(encode(stored, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}), 6);
}

TEST(CutTiles, ExifOrientationIsAppliedBeforeTiling) {
  // Upright view is 32 wide, 64 tall: the stored left (red) half is on top.
  const auto item = item_with({box("o", "patch (2x1)", 0, 0, 32, 64)});
  const TileResult result = cut_tiles(item, rotated_jpeg(), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.orientation_applied, 6);
  EXPECT_EQ(result.image_size, (ImageSize{32, 64}));
  ASSERT_EQ(result.tiles.size(), 2u);
  EXPECT_EQ(result.tiles[0].rect, (PixelRect{0, 0, 32, 32}));
  const cv::Scalar top = cv::mean(decode(result.tiles[0].bytes));
  const cv::Scalar bottom = cv::mean(decode(result.tiles[1].bytes));
  EXPECT_GT(top[2], 200);  // red
  EXPECT_LT(top[0], 50);
  EXPECT_GT(bottom[0], 200);  // blue
  EXPECT_LT(bottom[2], 50);
}

TEST(CutTiles, ExifOrientationIsNotAppliedWhenTheSlotSizeIsTheStoredGrid) {
  auto item = item_with({box("o", "patch", 0, 0, 64, 32)});
  item.slot.width = 64;
  item.slot.height = 32;
  const TileResult result = cut_tiles(item, rotated_jpeg(), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.orientation_applied, 1);
  EXPECT_EQ(result.image_size, (ImageSize{64, 32}));
}

TEST(CutTiles, ExifOrientationFollowsASlotSizeThatMatchesTheUprightView) {
  auto item = item_with({box("o", "patch", 0, 0, 32, 64)});
  item.slot.width = 32;
  item.slot.height = 64;
  const TileResult result = cut_tiles(item, rotated_jpeg(), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.orientation_applied, 6);
}

TEST(CutTiles, ExifOrientationCanBeSwitchedOff) {
  TileOptions options = quiet();
  options.apply_exif_orientation = false;
  const TileResult result = cut_tiles(item_with({}), rotated_jpeg(), options);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.image_size, (ImageSize{64, 32}));
}

TEST(ApplyOrientation, MatchesTheExifDefinitions) {
  // 2x3 image with distinct values; each orientation's upright view, worked out by hand.
  const cv::Mat m = (cv::Mat_<uchar>(2, 3) << 1, 2, 3, 4, 5, 6);
  const auto eq = [](const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0.0;
  };
  EXPECT_TRUE(eq(apply_orientation(m, 1), m));
  EXPECT_TRUE(eq(apply_orientation(m, 2), (cv::Mat_<uchar>(2, 3) << 3, 2, 1, 6, 5, 4)));
  EXPECT_TRUE(eq(apply_orientation(m, 3), (cv::Mat_<uchar>(2, 3) << 6, 5, 4, 3, 2, 1)));
  EXPECT_TRUE(eq(apply_orientation(m, 4), (cv::Mat_<uchar>(2, 3) << 4, 5, 6, 1, 2, 3)));
  EXPECT_TRUE(eq(apply_orientation(m, 5), (cv::Mat_<uchar>(3, 2) << 1, 4, 2, 5, 3, 6)));
  EXPECT_TRUE(eq(apply_orientation(m, 6), (cv::Mat_<uchar>(3, 2) << 4, 1, 5, 2, 6, 3)));
  EXPECT_TRUE(eq(apply_orientation(m, 7), (cv::Mat_<uchar>(3, 2) << 6, 3, 5, 2, 4, 1)));
  EXPECT_TRUE(eq(apply_orientation(m, 8), (cv::Mat_<uchar>(3, 2) << 3, 6, 2, 5, 1, 4)));
}

TEST(CutTiles, PixelLimitRefusesOnTheHeaderBeforeDecoding) {
  // Only a PNG header claiming 100000x100000: there is no pixel data at all, so any attempt
  // to decode would fail with a decode error rather than the limit's reason.
  const std::string lying = png_header_only(100000, 100000);
  const TileResult refused = cut_tiles(item_with({}), lying, quiet());
  EXPECT_EQ(refused.status, TileStatus::too_many_pixels);
  EXPECT_EQ(refused.error,
            "PNG image is 100000x100000 = 10000000000 pixels, over the limit of 400000000");
  TileOptions unlimited = quiet();
  unlimited.max_pixels = INT64_MAX;
  unlimited.max_decoded_bytes = UINT64_MAX;
  EXPECT_EQ(cut_tiles(item_with({}), lying, unlimited).status, TileStatus::decode_failed);
}

TEST(CutTiles, DecodedByteLimitRefusesOnTheHeaderBeforeDecoding) {
  // Issue #13: a 3.1 MB 16-bit RGBA PNG of 20000x20000 took a worker to 3.1 GB. Only the header
  // is here: any attempt to decode would fail with a decode error instead of this reason.
  const TileResult refused =
      cut_tiles(item_with({}), png_header_only(20000, 20000, 16, 6), quiet());
  EXPECT_EQ(refused.status, TileStatus::too_many_bytes);
  EXPECT_EQ(refused.error,
            "PNG image 20000x20000 with 4 channels of 16 bits decodes to 3200000000 bytes, over "
            "the limit of 1200000000 (--max-decoded-bytes)");
  EXPECT_STREQ(status_name(refused.status), "too_many_bytes");
}

TEST(CutTiles, DecodedByteLimitCountsDepthAndChannelsAndIsInclusive) {
  const std::string png16 = encode(noise(50, 40, CV_16UC4), ".png");  // 50 x 40 x 4 x 2 = 16000
  TileOptions options = quiet();
  options.max_decoded_bytes = 16'000;
  EXPECT_TRUE(cut_tiles(item_with({}), png16, options).ok());
  options.max_decoded_bytes = 15'999;
  const TileResult refused = cut_tiles(item_with({}), png16, options);
  EXPECT_EQ(refused.status, TileStatus::too_many_bytes);
  EXPECT_EQ(refused.error,
            "PNG image 50x40 with 4 channels of 16 bits decodes to 16000 bytes, over the limit of "
            "15999 (--max-decoded-bytes)");
  // The same pixels at 8-bit gray weigh an eighth.
  options.max_decoded_bytes = 2'000;
  EXPECT_TRUE(cut_tiles(item_with({}), encode(noise(50, 40, CV_8UC1), ".png"), options).ok());
}

TEST(CutTiles, DecodedByteLimitCountsTheCopyAnExifRotationMakes) {
  const std::string jpeg = rotated_jpeg();  // 64 x 32 x 3 = 6144 bytes, rotated: a second copy
  TileOptions options = quiet();
  options.max_decoded_bytes = 12'288;
  EXPECT_TRUE(cut_tiles(item_with({}), jpeg, options).ok());
  options.max_decoded_bytes = 12'287;
  const TileResult refused = cut_tiles(item_with({}), jpeg, options);
  EXPECT_EQ(refused.status, TileStatus::too_many_bytes);
  EXPECT_EQ(refused.error,
            "JPEG image 64x32 with 3 channels of 8 bits decodes to 6144 bytes, 12288 with the "
            "copy its EXIF rotation needs, over the limit of 12287 (--max-decoded-bytes)");
  options.apply_exif_orientation = false;
  EXPECT_TRUE(cut_tiles(item_with({}), jpeg, options).ok());
}

TEST(CutTiles, DecodedByteLimitCountsAProgressiveJpegsCoefficients) {
  // 512 x 512 x 3 = 786432 bytes decoded; the coefficients of a 4:2:0 file take 786432 more.
  const std::string jpeg =
      encode(noise(512, 512, CV_8UC3), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  TileOptions options = quiet();
  options.max_decoded_bytes = 786'432 + 400'000;
  const TileResult refused = cut_tiles(item_with({}), jpeg, options);
  EXPECT_EQ(refused.status, TileStatus::too_many_bytes);
  EXPECT_EQ(refused.error,
            "JPEG: a progressive (multi-scan) file of 512x512 needs more working memory than the "
            "400000 bytes allowed (what --max-decoded-bytes 1186432 leaves after the "
            "786432-byte image)");
  options.max_decoded_bytes = 786'432 * 3;
  EXPECT_TRUE(cut_tiles(item_with({}), jpeg, options).ok());
  // The same picture as one scan needs no coefficient buffer.
  options.max_decoded_bytes = 786'432;
  EXPECT_TRUE(cut_tiles(item_with({}), encode(noise(512, 512, CV_8UC3), ".jpg"), options).ok());
}

TEST(CutTiles, PixelLimitIsInclusive) {
  const std::string png = encode(noise(100, 100, CV_8UC1), ".png");
  TileOptions options = quiet();
  options.max_pixels = 10'000;
  EXPECT_TRUE(cut_tiles(item_with({}), png, options).ok());
  options.max_pixels = 9'999;
  const TileResult refused = cut_tiles(item_with({}), png, options);
  EXPECT_EQ(refused.status, TileStatus::too_many_pixels);
  EXPECT_EQ(refused.error, "PNG image is 100x100 = 10000 pixels, over the limit of 9999");
}

TEST(CutTiles, RefusesFormatsOutsideTheAllowlist) {
  const TileResult gif =
      cut_tiles(item_with({}), std::string("GIF89a\x02\x00\x02\x00\x80\x00\x00", 13), quiet());
  EXPECT_EQ(gif.status, TileStatus::unsupported_format);
  EXPECT_EQ(gif.error.rfind("unsupported image format (first bytes: 47 49 46 38 39 61", 0), 0u)
      << gif.error;
  std::string random(64, '\0');
  cv::RNG rng(7);
  for (char& c : random) c = static_cast<char>(rng.uniform(0, 256));
  const TileResult random_result = cut_tiles(item_with({}), random, quiet());
  EXPECT_EQ(random_result.status, TileStatus::unsupported_format);
}

TEST(CutTiles, ReportsCorruptImageData) {
  std::string png = encode(noise(200, 200, CV_8UC3), ".png");
  png.resize(png.size() / 2);
  const TileResult result = cut_tiles(item_with({box("x", "patch", 0, 0, 10, 10)}), png, quiet());
  EXPECT_EQ(result.status, TileStatus::decode_failed);
  EXPECT_EQ(result.error, "could not decode the PNG data (corrupt or truncated)");
  EXPECT_TRUE(result.tiles.empty());
}

TEST(CutTiles, RefusesATruncatedJpegInsteadOfInventingRows) {
  // Issue #13: half of a JPEG used to decode "successfully", the missing rows made up.
  std::string jpeg = encode(noise(200, 160, CV_8UC3), ".jpg");
  jpeg.resize(jpeg.size() / 2);
  const TileResult result = cut_tiles(item_with({box("x", "patch", 0, 0, 10, 10)}), jpeg, quiet());
  EXPECT_EQ(result.status, TileStatus::decode_failed);
  EXPECT_EQ(result.error.rfind("JPEG: premature end of data after ", 0), 0u) << result.error;
  EXPECT_NE(result.error.find(" of 160 rows"), std::string::npos) << result.error;
  EXPECT_TRUE(result.tiles.empty());
}

TEST(CutTiles, RefusesACorruptJpeg) {
  std::string jpeg = encode(noise(200, 160, CV_8UC3), ".jpg");
  for (std::size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 8; ++i) {
    jpeg[i] = static_cast<char>(jpeg[i] ^ 0xA5);
  }
  const TileResult result = cut_tiles(item_with({box("x", "patch", 0, 0, 10, 10)}), jpeg, quiet());
  EXPECT_EQ(result.status, TileStatus::decode_failed);
  EXPECT_EQ(result.error.rfind("JPEG: corrupt data after ", 0), 0u) << result.error;
}

TEST(CutTiles, SkippedAnnotationsDoNotStopTheOthers) {
  const auto item =
      item_with({box("bad", "patch (0x3)", 0, 0, 10, 10), box("ok", "patch", 0, 0, 10, 10),
                 box("far", "patch", 900, 900, 10, 10), box("car", "car", 0, 0, 5, 5)});
  const TileResult result = cut_tiles(item, encode(noise(50, 50, CV_8UC3), ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(result.tiles.size(), 1u);
  EXPECT_EQ(result.tiles[0].annotation_id, "ok");
  ASSERT_EQ(result.skipped.size(), 2u);
  EXPECT_EQ(result.skipped[0].reason, "malformed grid: grid rows must be 1..64, got 0");
  EXPECT_EQ(result.skipped[1].reason, "box lies entirely outside the 50x50 image");
}

TEST(CutTiles, NoAnnotationsMeansNoTiles) {
  const TileResult result =
      cut_tiles(item_with({}), encode(noise(20, 20, CV_8UC3), ".png"), quiet());
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(result.tiles.empty());
  EXPECT_EQ(result.tile_count, 0);
  EXPECT_EQ(result.image_size, (ImageSize{20, 20}));
}

TEST(CutTiles, ParallelEncodingGivesTheSameTilesInTheSameOrder) {
  const auto item =
      item_with({box("p", "patch (4x4)", 3, 3, 150, 130), box("q", "crop (2x3)", 10, 10, 60, 40)});
  const std::string png = encode(noise(160, 140, CV_8UC3), ".png");
  const TileResult serial = cut_tiles(item, png, quiet());
  TileOptions options = quiet();
  options.jobs = 4;
  const TileResult parallel = cut_tiles(item, png, options);
  ASSERT_TRUE(serial.ok() && parallel.ok());
  ASSERT_EQ(serial.tiles.size(), 22u);
  ASSERT_EQ(parallel.tiles.size(), serial.tiles.size());
  for (std::size_t i = 0; i < serial.tiles.size(); ++i) {
    EXPECT_EQ(parallel.tiles[i].name, serial.tiles[i].name);
    EXPECT_EQ(parallel.tiles[i].bytes, serial.tiles[i].bytes);
  }
  EXPECT_EQ(parallel.tile_bytes, serial.tile_bytes);
}

// Photo-like enough for JPEG and large enough for several MCU rows and columns between patches.
// `restart_mcus`: a restart marker every that many MCUs (0: none).
std::string sparse_jpeg(int width = 1200, int height = 900, int restart_mcus = 0) {
  cv::Mat image = noise(width, height, CV_8UC3, 3);
  cv::GaussianBlur(image, image, cv::Size(9, 9), 0);
  return encode(image, ".jpg",
                {cv::IMWRITE_JPEG_QUALITY, 92, cv::IMWRITE_JPEG_RST_INTERVAL, restart_mcus});
}

webhook::Annotation point(std::string id, double x, double y) {
  return webhook::Annotation{std::move(id), "patch", webhook::Keypoint{x, y}};
}

void expect_sparse_patches_cut_like_a_full_decode(const std::string& jpeg);
void expect_same_tiles_on_more_threads(const std::string& jpeg);

TEST(CutTiles, SparsePatchesOnAJpegDecodeOnlyTheirRegionsWithTheSameTiles) {
  // Without restart markers; with one after every MCU row (75 MCUs of 16 px), and after every
  // 7 MCUs: then the regions come from excerpts of the restart intervals under them.
  for (const int restart_mcus : {0, 75, 7}) {
    SCOPED_TRACE("restart interval " + std::to_string(restart_mcus));
    expect_sparse_patches_cut_like_a_full_decode(sparse_jpeg(1200, 900, restart_mcus));
  }
}

void expect_sparse_patches_cut_like_a_full_decode(const std::string& jpeg) {
  const auto item = item_with({point("a", 103, 77), point("b", 1111, 850), point("c", 600, 120),
                               box("d", "patch (2x3)", 301, 455, 157, 99)});
  TileOptions partial = quiet();
  partial.patches.boxes.keypoint_size = 100;
  TileOptions full = partial;
  full.partial_decode = false;
  const cv::Mat source = opencv_like_decode(jpeg);
  for (const int jobs : {1, 2}) {
    partial.jobs = full.jobs = jobs;
    const TileResult ours = cut_tiles(item, jpeg, partial);
    const TileResult whole = cut_tiles(item, jpeg, full);
    ASSERT_TRUE(ours.ok()) << ours.error;
    ASSERT_TRUE(whole.ok()) << whole.error;
    // a and c share rows; each row of d and b have their own.
    EXPECT_EQ(ours.decoded_regions, 4);
    EXPECT_EQ(whole.decoded_regions, 0);
    EXPECT_EQ(ours.image_size, (ImageSize{1200, 900}));
    EXPECT_EQ(ours.channels, 3);
    ASSERT_EQ(ours.tiles.size(), 9u);
    ASSERT_EQ(whole.tiles.size(), ours.tiles.size());
    for (std::size_t i = 0; i < ours.tiles.size(); ++i) {
      EXPECT_EQ(ours.tiles[i].name, whole.tiles[i].name);
      EXPECT_EQ(ours.tiles[i].bytes, whole.tiles[i].bytes) << ours.tiles[i].name;
      expect_exact(ours.tiles[i], source);
    }
  }
}

TEST(CutTiles, DensePatchesRotatedOrProgressiveJpegsAreDecodedWhole) {
  const std::string jpeg = sparse_jpeg();
  const TileResult dense =
      cut_tiles(item_with({box("big", "patch (2x2)", 0, 0, 1200, 700)}), jpeg, quiet());
  ASSERT_TRUE(dense.ok()) << dense.error;
  EXPECT_EQ(dense.decoded_regions, 0) << "most of the image: the full decode overlaps encoding";
  const auto sparse = item_with({point("a", 300, 300)});
  const TileResult rotated = cut_tiles(sparse, with_orientation(jpeg, 6), quiet());
  ASSERT_TRUE(rotated.ok()) << rotated.error;
  EXPECT_EQ(rotated.decoded_regions, 0);
  EXPECT_EQ(rotated.orientation_applied, 6);
  const TileResult progressive = cut_tiles(
      sparse, encode(opencv_like_decode(jpeg), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), quiet());
  ASSERT_TRUE(progressive.ok()) << progressive.error;
  EXPECT_EQ(progressive.decoded_regions, 0);
  const TileResult png = cut_tiles(sparse, encode(opencv_like_decode(jpeg), ".png"), quiet());
  ASSERT_TRUE(png.ok()) << png.error;
  EXPECT_EQ(png.decoded_regions, 0);
}

TEST(CutTiles, ARefusedJpegDeliversNoTileEvenWhenEncodingStartedDuringTheDecode) {
  // Tiles at the top are ready long before the decode reaches the damage near the end: a dense
  // box (full decode) and sparse keypoints (region decode, each band handed on as it is read).
  std::string dense = sparse_jpeg(600, 2000);
  dense.resize(dense.size() - dense.size() / 20);
  std::string sparse = sparse_jpeg(1200, 2400);
  sparse.resize(sparse.size() - sparse.size() / 20);
  const std::vector<std::pair<std::string, webhook::Item>> cases{
      {dense, item_with({box("top", "patch (4x4)", 0, 0, 600, 400)})},
      {sparse, item_with({point("top", 300, 60), point("middle", 900, 1200)})}};
  for (const auto& [jpeg, item] : cases) {
    for (const int jobs : {1, 2, 3}) {
      TileOptions options = quiet();
      options.jobs = jobs;
      options.patches.boxes.keypoint_size = 100;
      int delivered = 0;
      const TileResult result = cut_tiles(item, jpeg, options, [&](Tile&&) {
        ++delivered;
        return true;
      });
      EXPECT_EQ(result.status, TileStatus::decode_failed) << jobs;
      EXPECT_EQ(result.error.rfind("JPEG: premature end of data", 0), 0u) << result.error;
      EXPECT_EQ(delivered, 0) << jobs << " threads";
      EXPECT_EQ(result.tile_count, 0);
      const TileResult all = cut_tiles(item, jpeg, options);
      EXPECT_EQ(all.status, TileStatus::decode_failed);
      EXPECT_TRUE(all.tiles.empty());
    }
  }
}

// With helper threads, the tiles of a region are encoded while the regions below it still
// decode (seen in the trace: a helper's encode starts before the region decode ends). Regions
// of just under half the image, whose MCUs with their margins are more than half: one pass
// over the whole stream decodes them (smaller ones come from excerpts, reported at the end).
TEST(CutTiles, RegionTilesAreEncodedWhileTheRegionsBelowDecode) {
  const std::string jpeg = sparse_jpeg(2400, 4000);
  const auto item =
      item_with({box("top", "patch", 0, 0, 2400, 660), box("middle", "patch", 0, 1000, 2400, 660),
                 box("bottom", "patch", 0, 3300, 2400, 660)});
  TileOptions options = quiet();
  options.jobs = 2;
  ::setenv("PATCHQ_TILE_TRACE", "1", 1);
  bool overlapped = false;
  // A loaded machine may not run the helper before the decode ends: a few tries.
  for (int attempt = 0; attempt < 5 && !overlapped; ++attempt) {
    ::testing::internal::CaptureStderr();
    const TileResult result = cut_tiles(item, jpeg, options);
    const std::string log = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(result.ok()) << result.error;
    ASSERT_EQ(result.decoded_regions, 3);
    double decode_end = -1;
    double first_helper_encode = -1;
    std::size_t at = 0;
    while ((at = log.find("\"event\":\"tile_trace\"", at)) != std::string::npos) {
      const std::size_t end = log.find('\n', at);
      const std::string line = log.substr(at, end - at);
      at = end;
      const auto number = [&](const std::string& key) {
        const std::size_t k = line.find("\"" + key + "\":");
        return k == std::string::npos ? -1.0 : std::stod(line.substr(k + key.size() + 3));
      };
      if (line.find("\"what\":\"region_decode\"") != std::string::npos)
        decode_end = number("end_ms");
      if (line.find("\"what\":\"encode\"") != std::string::npos && number("thread") == 1 &&
          line.find("_top_") != std::string::npos && first_helper_encode < 0) {
        first_helper_encode = number("start_ms");
      }
    }
    ASSERT_GT(decode_end, 0) << log;
    overlapped = first_helper_encode >= 0 && first_helper_encode < decode_end;
  }
  ::unsetenv("PATCHQ_TILE_TRACE");
  EXPECT_TRUE(overlapped);
}

TEST(CutTiles, JpegTilesAreTheSameWhenEncodingOverlapsTheDecode) {
  // Also with a restart marker after every MCU row: then 2 and 3 threads decode it in parts.
  for (const int restart_mcus : {0, 50}) {
    SCOPED_TRACE("restart interval " + std::to_string(restart_mcus));
    expect_same_tiles_on_more_threads(sparse_jpeg(800, 1600, restart_mcus));
  }
}

void expect_same_tiles_on_more_threads(const std::string& jpeg) {
  const auto item = item_with({box("g", "patch (6x2)", 0, 0, 800, 1600)});
  const TileResult serial = cut_tiles(item, jpeg, quiet());
  ASSERT_TRUE(serial.ok()) << serial.error;
  for (const int jobs : {2, 3}) {
    TileOptions options = quiet();
    options.jobs = jobs;
    std::map<std::string, std::vector<unsigned char>> streamed;
    const TileResult result = cut_tiles(item, jpeg, options, [&](Tile&& tile) {
      streamed.emplace(tile.name, std::move(tile.bytes));
      return true;
    });
    ASSERT_TRUE(result.ok()) << result.error;
    ASSERT_EQ(streamed.size(), serial.tiles.size());
    for (const Tile& t : serial.tiles) EXPECT_EQ(streamed.at(t.name), t.bytes) << t.name;
  }
}

TEST(CutTiles, StreamingDeliversEveryTileOnceAndSerializesTheSink) {
  const auto item = item_with({box("s", "patch (5x5)", 0, 0, 100, 100)});
  const std::string png = encode(noise(100, 100, CV_8UC3), ".png");
  const TileResult all = cut_tiles(item, png, quiet());
  std::map<std::string, std::vector<unsigned char>> streamed;
  std::atomic<int> inside{0};
  bool overlapped = false;
  TileOptions options = quiet();
  options.jobs = 3;
  const TileResult result = cut_tiles(item, png, options, [&](Tile&& tile) {
    if (inside.fetch_add(1) != 0) overlapped = true;
    streamed.emplace(tile.name, std::move(tile.bytes));
    inside.fetch_sub(1);
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_FALSE(overlapped);
  EXPECT_TRUE(result.tiles.empty());  // streamed, not kept
  EXPECT_EQ(result.tile_count, 25);
  ASSERT_EQ(streamed.size(), 25u);
  std::uint64_t bytes = 0;
  for (const Tile& t : all.tiles) {
    EXPECT_EQ(streamed.at(t.name), t.bytes);
    bytes += t.bytes.size();
  }
  EXPECT_EQ(result.tile_bytes, bytes);
}

TEST(CutTiles, TilesEncodedDuringTheDecodeAreDeliveredOnceOneAtATime) {
  // Several threads finish tiles while the JPEG still decodes and while another thread is in
  // the sink: each tile still reaches the sink once, never two calls at a time.
  const std::string jpeg = sparse_jpeg(800, 1600);
  const auto item = item_with({box("g", "patch (8x4)", 0, 0, 800, 1600)});
  const TileResult serial = cut_tiles(item, jpeg, quiet());
  ASSERT_TRUE(serial.ok()) << serial.error;
  for (const int jobs : {2, 3}) {
    TileOptions options = quiet();
    options.jobs = jobs;
    std::map<std::string, std::vector<unsigned char>> streamed;
    std::atomic<int> inside{0};
    std::atomic<std::uint64_t> checksum{0};
    bool overlapped = false;
    const TileResult result = cut_tiles(item, jpeg, options, [&](Tile&& tile) {
      if (inside.fetch_add(1) != 0) overlapped = true;
      // Some work inside the call, so that other threads finish tiles meanwhile.
      std::uint64_t sum = 0;
      for (int pass = 0; pass < 20; ++pass) {
        for (const unsigned char b : tile.bytes) sum = sum * 31 + b;
      }
      checksum.fetch_add(sum, std::memory_order_relaxed);
      EXPECT_TRUE(streamed.emplace(tile.name, std::move(tile.bytes)).second) << tile.name;
      inside.fetch_sub(1);
      return true;
    });
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(overlapped) << jobs;
    EXPECT_EQ(result.tile_count, 32);
    ASSERT_EQ(streamed.size(), serial.tiles.size());
    std::uint64_t bytes = 0;
    for (const Tile& t : serial.tiles) {
      EXPECT_EQ(streamed.at(t.name), t.bytes) << t.name;
      bytes += t.bytes.size();
    }
    EXPECT_EQ(result.tile_bytes, bytes);
  }
}

TEST(CutTiles, SinkCanStopTheWorkOfSeveralThreads) {
  const std::string jpeg = sparse_jpeg(800, 1600);
  const auto item = item_with({box("g", "patch (8x4)", 0, 0, 800, 1600)});
  for (const int jobs : {2, 3}) {
    TileOptions options = quiet();
    options.jobs = jobs;
    std::atomic<int> calls{0};
    const TileResult result =
        cut_tiles(item, jpeg, options, [&](Tile&&) { return calls.fetch_add(1) + 1 < 3; });
    EXPECT_EQ(result.status, TileStatus::cancelled) << jobs;
    EXPECT_EQ(calls.load(), 3) << jobs;  // no call after the refusal
    EXPECT_EQ(result.tile_count, 2);
    EXPECT_EQ(result.error, "the tile sink stopped the work after 2 tiles");
  }
}

TEST(CutTiles, SinkCanStopTheWork) {
  const auto item = item_with({box("s", "patch (4x4)", 0, 0, 64, 64)});
  int delivered = 0;
  const TileResult result = cut_tiles(item, encode(noise(64, 64, CV_8UC3), ".png"), quiet(),
                                      [&](Tile&&) { return ++delivered < 3; });
  EXPECT_EQ(result.status, TileStatus::cancelled);
  EXPECT_EQ(delivered, 3);
  EXPECT_EQ(result.tile_count, 2);  // the third was refused by the sink
  EXPECT_EQ(result.error, "the tile sink stopped the work after 2 tiles");
}

TEST(CutTiles, ReportsTimings) {
  const TileResult result = cut_tiles(item_with({box("t", "patch (2x2)", 0, 0, 40, 40)}),
                                      encode(noise(40, 40, CV_8UC3), ".png"), quiet());
  ASSERT_TRUE(result.ok());
  EXPECT_GT(result.timings.decode_ms, 0.0);
  EXPECT_GE(result.timings.tile_ms, 0.0);
  EXPECT_GT(result.timings.encode_ms, 0.0);
  EXPECT_GE(result.timings.total_ms, result.timings.decode_ms + result.timings.encode_ms);
}

}  // namespace
}  // namespace patchq::patch
