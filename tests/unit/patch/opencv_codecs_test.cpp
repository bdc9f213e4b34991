#include "common/patch/opencv_codecs.hpp"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

namespace patchq::patch {
namespace {

TEST(OpencvCodecs, AreOpenCvsOwnImencodeAndImdecode) {
  cv::Mat pixels(24, 32, CV_8UC3);
  cv::randu(pixels, 0, 256);
  for (const std::string extension : {".png", ".webp", ".jpg"}) {
    std::vector<unsigned char> ours;
    std::vector<unsigned char> theirs;
    ASSERT_TRUE(opencv_imencode(extension, pixels, ours, {})) << extension;
    ASSERT_TRUE(cv::imencode(extension, pixels, theirs, {})) << extension;
    EXPECT_EQ(ours, theirs) << extension;
    const cv::Mat decoded = opencv_imdecode(ours, cv::IMREAD_UNCHANGED);
    const cv::Mat expected = cv::imdecode(theirs, cv::IMREAD_UNCHANGED);
    ASSERT_EQ(decoded.size(), expected.size()) << extension;
    ASSERT_EQ(decoded.type(), expected.type()) << extension;
    EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0) << extension;
  }
  // The parameters reach the encoder.
  std::vector<unsigned char> low;
  std::vector<unsigned char> high;
  ASSERT_TRUE(opencv_imencode(".jpg", pixels, low, {cv::IMWRITE_JPEG_QUALITY, 10}));
  ASSERT_TRUE(opencv_imencode(".jpg", pixels, high, {cv::IMWRITE_JPEG_QUALITY, 95}));
  EXPECT_LT(low.size(), high.size());
}

TEST(OpencvCodecs, UndecodableBytesGiveAnEmptyImage) {
  const std::vector<unsigned char> junk(64, 0x42);
  EXPECT_TRUE(opencv_imdecode(junk, cv::IMREAD_UNCHANGED).empty());
}

}  // namespace
}  // namespace patchq::patch
