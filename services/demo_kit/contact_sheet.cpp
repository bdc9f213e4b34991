#include "services/demo_kit/contact_sheet.hpp"

#include <algorithm>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <vector>

namespace patchq::demo {
namespace {

struct PlacedTile {
  int row = 0;
  int col = 0;
  cv::Mat pixels;
};

// Converts any decoded tile (gray, alpha, 16-bit) to 8-bit BGR for display.
cv::Mat to_display(const cv::Mat& in) {
  cv::Mat eight;
  if (in.depth() == CV_16U) {
    in.convertTo(eight, CV_8U, 1.0 / 257);
  } else {
    eight = in;
  }
  cv::Mat bgr;
  if (eight.channels() == 1) {
    cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR);
  } else if (eight.channels() == 4) {
    cv::cvtColor(eight, bgr, cv::COLOR_BGRA2BGR);
  } else {
    bgr = eight;
  }
  return bgr;
}

}  // namespace

ContactSheetResult write_contact_sheet(const std::filesystem::path& tiles_dir,
                                       const std::filesystem::path& out_png, int sheet_width) {
  ContactSheetResult result;
  static const std::regex tile_name(R"(^(.*)_r(\d+)c(\d+)\.(png|jpg|jpeg|webp)$)");
  std::map<std::string, std::vector<PlacedTile>> by_annotation;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tiles_dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, tile_name)) continue;
    cv::Mat pixels = cv::imread(entry.path().string(), cv::IMREAD_UNCHANGED);
    if (pixels.empty()) continue;
    by_annotation[m[1]].push_back({std::stoi(m[2]), std::stoi(m[3]), to_display(pixels)});
    ++result.tiles;
  }
  if (ec) {
    result.error = "cannot read " + tiles_dir.string() + ": " + ec.message();
    return result;
  }
  if (by_annotation.empty()) {
    result.error = "no tiles named <stem>_<annotation>_r<row>c<col>.<ext> in " + tiles_dir.string();
    return result;
  }

  const int gap = 6;
  const int margin = 20;
  std::vector<cv::Mat> blocks;
  for (auto& [annotation, tiles] : by_annotation) {
    int rows = 0, cols = 0;
    for (const auto& t : tiles) rows = std::max(rows, t.row + 1), cols = std::max(cols, t.col + 1);
    // Column widths and row heights from the tiles themselves (they differ by at most 1 px).
    std::vector<int> col_w(cols, 0), row_h(rows, 0);
    for (const auto& t : tiles) {
      col_w[t.col] = std::max(col_w[t.col], t.pixels.cols);
      row_h[t.row] = std::max(row_h[t.row], t.pixels.rows);
    }
    std::vector<int> col_x(cols + 1, 0), row_y(rows + 1, 0);
    for (int c = 0; c < cols; ++c) col_x[c + 1] = col_x[c] + col_w[c] + gap;
    for (int r = 0; r < rows; ++r) row_y[r + 1] = row_y[r] + row_h[r] + gap;
    cv::Mat block(row_y[rows], col_x[cols], CV_8UC3, cv::Scalar(40, 40, 40));
    for (const auto& t : tiles) {
      t.pixels.copyTo(block(cv::Rect(col_x[t.col], row_y[t.row], t.pixels.cols, t.pixels.rows)));
    }
    const double scale = std::min(1.0, double(sheet_width - 2 * margin) / block.cols);
    cv::Mat scaled;
    cv::resize(block, scaled, cv::Size(), scale, scale, cv::INTER_AREA);
    blocks.push_back(scaled);
  }
  int height = margin;
  for (const auto& b : blocks) height += b.rows + margin;
  cv::Mat sheet(height, sheet_width, CV_8UC3, cv::Scalar(255, 255, 255));
  int y = margin;
  for (const auto& b : blocks) {
    b.copyTo(sheet(cv::Rect(margin, y, b.cols, b.rows)));
    y += b.rows + margin;
  }
  if (!cv::imwrite(out_png.string(), sheet)) {
    result.error = "cannot write " + out_png.string();
    return result;
  }
  result.annotations = static_cast<int>(by_annotation.size());
  return result;
}

}  // namespace patchq::demo
