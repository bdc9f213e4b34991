#include "services/demo_kit/tile_compare.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

namespace patchq::demo {
namespace {

std::set<std::string> file_names(const std::filesystem::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) names.insert(e.path().filename().string());
  }
  return names;
}

}  // namespace

TileComparison compare_tiles(const std::filesystem::path& expected,
                             const std::filesystem::path& actual) {
  TileComparison result;
  const auto want = file_names(expected);
  const auto got = file_names(actual);
  for (const auto& name : got) {
    if (!want.contains(name)) result.unexpected.push_back(name);
  }
  for (const auto& name : want) {
    if (!got.contains(name)) {
      result.missing.push_back(name);
      continue;
    }
    const cv::Mat a = cv::imread((expected / name).string(), cv::IMREAD_UNCHANGED);
    const cv::Mat b = cv::imread((actual / name).string(), cv::IMREAD_UNCHANGED);
    if (a.empty() || b.empty()) {
      result.different.push_back(name + ": cannot decode");
    } else if (a.size() != b.size() || a.type() != b.type()) {
      result.different.push_back(name + ": size or type differs");
    } else if (cv::norm(a, b, cv::NORM_INF) != 0) {
      result.different.push_back(name + ": pixels differ");
    } else {
      ++result.matched;
    }
  }
  return result;
}

}  // namespace patchq::demo
