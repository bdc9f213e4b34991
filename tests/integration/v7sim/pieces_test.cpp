// The simulator's pure pieces, without a process: image headers, slugs, paths, base64,
// storage tokens and the fault table.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "common/codec/base64.hpp"
#include "services/v7sim/faults.hpp"
#include "services/v7sim/image_size.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {
namespace {

std::string encode(const std::string& ext, int width, int height) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<unsigned char> out;
  EXPECT_TRUE(cv::imencode(ext, image, out)) << ext;
  return std::string(out.begin(), out.end());
}

class ImageSizeOf : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageSizeOf, ReadsWidthAndHeightFromTheHeader) {
  const std::string bytes = encode(GetParam(), 321, 123);
  const auto size = read_image_size(bytes);
  ASSERT_TRUE(size.has_value()) << GetParam();
  EXPECT_EQ(size->width, 321);
  EXPECT_EQ(size->height, 123);
  EXPECT_NE(sniff_content_type(bytes), "application/octet-stream");
}

INSTANTIATE_TEST_SUITE_P(Formats, ImageSizeOf,
                         ::testing::Values(".png", ".jpg", ".tiff", ".bmp", ".webp"),
                         [](const auto& info) { return info.param.substr(1); });

TEST(ImageSize, RejectsWhatIsNotAnImage) {
  EXPECT_FALSE(read_image_size("hello world").has_value());
  EXPECT_FALSE(read_image_size("\x89PNG\r\n\x1a\n").has_value());  // truncated
  EXPECT_FALSE(read_image_size("").has_value());
}

TEST(Slugify, FollowsV7) {
  EXPECT_EQ(slugify("Street Scenes"), "street-scenes");
  EXPECT_EQ(slugify("  Tiles (4x6) -- v2! "), "tiles-4x6-v2");
  EXPECT_EQ(slugify("!!!"), "");
}

TEST(NormalizeItemPath, KeepsOneLeadingSlashAndNoTrailingOne) {
  EXPECT_EQ(normalize_item_path("/"), "/");
  EXPECT_EQ(normalize_item_path(""), "/");
  EXPECT_EQ(normalize_item_path("/city/"), "/city");
  EXPECT_EQ(normalize_item_path("//a//b/"), "/a/b");
}

TEST(Base64, RoundTripsAndRejectsOtherCharacters) {
  for (const std::string& text :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(codec::base64_decode(codec::base64_encode(text)), text);
  }
  EXPECT_EQ(codec::base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(codec::base64_decode("aGV sbG8=").has_value());
  EXPECT_FALSE(codec::base64_decode("a").has_value());
}

TEST(SimUrls, TokensOpenOneActionOnOneUploadUntilTheyExpire) {
  const SimUrls urls("http://127.0.0.1:1/", "team", "key");
  const std::string url = urls.signed_storage_url(StorageAction::download, "u1");
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:1/_storage/files/u1?token="));
  const std::string token = url.substr(url.find("token=") + 6);
  EXPECT_TRUE(urls.verify(StorageAction::download, "u1", token));
  EXPECT_FALSE(urls.verify(StorageAction::upload, "u1", token));
  EXPECT_FALSE(urls.verify(StorageAction::download, "u2", token));
  EXPECT_FALSE(
      SimUrls("http://x", "team", "other-key").verify(StorageAction::download, "u1", token));
  const SimUrls expired("http://x", "team", "key", std::chrono::seconds(-10));
  const std::string old = expired.signed_storage_url(StorageAction::download, "u1");
  EXPECT_FALSE(urls.verify(StorageAction::download, "u1", old.substr(old.find("token=") + 6)));
}

TEST(FaultTable, FailNextCountsDownThenStops) {
  FaultTable table;
  table.apply(std::get<FaultCommand>(
      parse_fault_command(R"({"endpoint":"sign","fail_next":2,"status":504,"retry_after_s":3})")));
  for (int i = 0; i < 2; ++i) {
    const auto d = table.decide("sign");
    EXPECT_EQ(d.kind, FaultDecision::Kind::status);
    EXPECT_EQ(d.status, 504);
    EXPECT_EQ(d.retry_after_s, 3);
  }
  EXPECT_EQ(table.decide("sign").kind, FaultDecision::Kind::none);
  EXPECT_EQ(table.decide("confirm").kind, FaultDecision::Kind::none);
}

TEST(FaultTable, SeededDrawsRepeat) {
  const auto run = [] {
    FaultTable table;
    table.apply(std::get<FaultCommand>(
        parse_fault_command(R"({"p429":0.3,"p5xx":0.3,"preset":0.1,"seed":42})")));
    std::vector<int> outcomes;
    for (int i = 0; i < 50; ++i) {
      const auto d = table.decide("item");
      outcomes.push_back(d.kind == FaultDecision::Kind::reset ? -1 : d.status);
    }
    return outcomes;
  };
  const auto first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(std::count(first.begin(), first.end(), 0), 50);  // something was injected
  EXPECT_NE(std::count(first.begin(), first.end(), 0), 0);   // and something was not
}

}  // namespace
}  // namespace patchq::v7sim
