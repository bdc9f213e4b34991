// patchq-demo-kit is the demo's judge: it must notice every way delivered tiles can be wrong.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace patchq::testing {
namespace {

int run_kit(const std::vector<std::string>& args, std::string* out = nullptr) {
  ChildProcess kit(binary_path("patchq-demo-kit"), args);
  auto status = kit.wait_exit(std::chrono::seconds(30));
  if (out) *out = kit.stdout_text();
  return status ? kit.exit_code().value_or(-1) : -1;
}

class DemoKit : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "expected");
    std::filesystem::create_directories(dir_ / "actual");
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) {
        cv::Mat tile(40 + r, 30 + c, CV_8UC3, cv::Scalar(10 * r, 20 * c, 99));
        const std::string name =
            "img_ann-1_r" + std::to_string(r) + "c" + std::to_string(c) + ".png";
        cv::imwrite((dir_ / "expected" / name).string(), tile);
        cv::imwrite((dir_ / "actual" / name).string(), tile);
      }
    }
  }
  TempDir dir_;
};

TEST_F(DemoKit, CompareAcceptsIdenticalTiles) {
  std::string out;
  EXPECT_EQ(run_kit({"compare", "--expected", (dir_ / "expected").string(), "--actual",
                     (dir_ / "actual").string()},
                    &out),
            0);
  EXPECT_NE(out.find("6 tiles match"), std::string::npos) << out;
}

TEST_F(DemoKit, CompareRejectsOneChangedPixel) {
  const auto path = dir_ / "actual" / "img_ann-1_r1c2.png";
  cv::Mat tile = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  tile.at<cv::Vec3b>(5, 5)[0] ^= 1;
  cv::imwrite(path.string(), tile);
  std::string out;
  EXPECT_EQ(run_kit({"compare", "--expected", (dir_ / "expected").string(), "--actual",
                     (dir_ / "actual").string()},
                    &out),
            1);
  EXPECT_NE(out.find("different:  img_ann-1_r1c2.png: pixels differ"), std::string::npos) << out;
}

TEST_F(DemoKit, CompareRejectsMissingAndUnexpectedTiles) {
  std::filesystem::rename(dir_ / "actual" / "img_ann-1_r0c0.png", dir_ / "actual" / "other.png");
  std::string out;
  EXPECT_EQ(run_kit({"compare", "--expected", (dir_ / "expected").string(), "--actual",
                     (dir_ / "actual").string()},
                    &out),
            1);
  EXPECT_NE(out.find("missing:    img_ann-1_r0c0.png"), std::string::npos) << out;
  EXPECT_NE(out.find("unexpected: other.png"), std::string::npos) << out;
}

TEST_F(DemoKit, ContactSheetLaysTilesOutInTheirGrid) {
  const auto sheet = dir_ / "sheet.png";
  std::string out;
  ASSERT_EQ(run_kit({"contact-sheet", "--tiles", (dir_ / "actual").string(), "--out",
                     sheet.string(), "--width", "400"},
                    &out),
            0);
  EXPECT_NE(out.find("6 tiles of 1 annotations"), std::string::npos) << out;
  const cv::Mat image = cv::imread(sheet.string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 400);
  // Tile r1c2 (colour 10,40,99) sits right of r1c1 and below r0c2: check one pixel inside it.
  const int margin = 20, gap = 6;
  const int x = margin + (30 + gap) + (31 + gap) + 5;
  const int y = margin + (40 + gap) + 5;
  EXPECT_EQ(image.at<cv::Vec3b>(y, x), cv::Vec3b(10, 40, 99));
}

}  // namespace
}  // namespace patchq::testing
