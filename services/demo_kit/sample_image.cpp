#include "services/demo_kit/sample_image.hpp"

#include <opencv2/imgproc.hpp>
#include <string>

namespace patchq::demo {

cv::Mat make_sample_image(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    auto* row = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < width; ++x) {
      row[x] = cv::Vec3b(static_cast<uchar>(255 * x / width), static_cast<uchar>(255 * y / height),
                         static_cast<uchar>(128 + 127 * ((x / 250 + y / 250) % 2)));
    }
  }
  const int step = 250;
  for (int x = 0; x < width; x += step) {
    cv::line(image, {x, 0}, {x, height - 1}, cv::Scalar(255, 255, 255), 3);
  }
  for (int y = 0; y < height; y += step) {
    cv::line(image, {0, y}, {width - 1, y}, cv::Scalar(255, 255, 255), 3);
  }
  for (int y = 0; y < height; y += step) {
    for (int x = 0; x < width; x += step) {
      const std::string label = std::to_string(x) + "," + std::to_string(y);
      cv::putText(image, label, {x + 12, y + 60}, cv::FONT_HERSHEY_SIMPLEX, 1.4,
                  cv::Scalar(20, 20, 20), 4, cv::LINE_AA);
      cv::circle(image, {x + step / 2, y + step / 2 + 30}, 50, cv::Scalar(30, 30, 200), -1);
    }
  }
  return image;
}

}  // namespace patchq::demo
