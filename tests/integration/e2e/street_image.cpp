// StreetImage (see street_image.hpp).
#include "tests/integration/e2e/street_image.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace patchq::e2e {

std::string street_image_jpeg(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    auto* row = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < width; ++x) {
      row[x] = cv::Vec3b(static_cast<unsigned char>(255 * x / width),
                         static_cast<unsigned char>(255 * y / height),
                         static_cast<unsigned char>((x / 7 + y / 5) % 256));
    }
  }
  const int block = std::max(8, std::min(width, height) / 12);
  int n = 0;
  for (int y = 0; y + block <= height; y += 2 * block) {
    for (int x = (y / block) % 2 * block; x + block <= width; x += 2 * block, ++n) {
      cv::rectangle(image, cv::Rect(x, y, block, block), cv::Scalar(30, 30, 30), cv::FILLED);
      cv::putText(image, std::to_string(n), cv::Point(x + block / 8, y + block * 2 / 3),
                  cv::FONT_HERSHEY_SIMPLEX, block / 60.0, cv::Scalar(255, 255, 255), 2);
    }
  }
  cv::circle(image, cv::Point(width / 2, height / 2), std::min(width, height) / 4,
             cv::Scalar(0, 0, 255), std::max(2, block / 10));
  cv::putText(image, "patchq e2e", cv::Point(width / 10, height - block / 2),
              cv::FONT_HERSHEY_DUPLEX, block / 30.0, cv::Scalar(255, 255, 0), 3);
  std::vector<unsigned char> out;
  if (!cv::imencode(".jpg", image, out, {cv::IMWRITE_JPEG_QUALITY, 92})) {
    throw std::runtime_error("cannot encode the street image");
  }
  return std::string(out.begin(), out.end());
}

}  // namespace patchq::e2e
