// libFuzzer target: any bytes -> JPEG region decode (restart index, Huffman scan, excerpts,
// libjpeg).
// Invariants: never reads outside the input; the restart index's intervals lie inside the input,
// in order; a region decode that succeeds gives each region its size, and exactly the pixels of
// a full decode wherever the full decode accepts the file too, with its excerpts decoded one at
// a time or two at once; one from scanned excerpts succeeds only where the full decode does;
// a Huffman scan split between two threads finds what one thread finds.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/patch/image_header.hpp"
#include "common/patch/jpeg_decode.hpp"
#include "common/patch/jpeg_restart.hpp"
#include "common/patch/jpeg_scan.hpp"

namespace {

// Keeps each input's decode in milliseconds.
constexpr std::int64_t kMaxPixels = 512 * 512;

void check_index(std::string_view bytes) {
  const std::optional<patchq::patch::JpegRestartIndex> index =
      patchq::patch::index_restart_intervals(bytes);
  if (!index) return;
  if (index->begin.size() != index->end.size() || index->begin.empty()) std::abort();
  std::size_t previous = index->header_end;
  for (std::size_t k = 0; k < index->begin.size(); ++k) {
    if (index->begin[k] < previous || index->end[k] < index->begin[k] ||
        index->end[k] + 2 > bytes.size()) {
      std::abort();
    }
    previous = index->end[k];
  }
}

void check_split_scan(std::string_view bytes) {
  std::optional<patchq::patch::JpegScan> one = patchq::patch::JpegScan::read(bytes);
  std::optional<patchq::patch::JpegScan> two = patchq::patch::JpegScan::read(bytes);
  if (!one || !two) return;
  const std::int64_t rows = one->mcu_rows();
  const std::int64_t cols = one->mcus_per_row();
  if (rows * cols > 64 * 64) return;
  const std::vector<patchq::patch::McuRect> rects = {
      {0, rows, 0, cols}, {rows / 2, rows, cols / 3, cols / 3 + 1}, {rows - 1, rows, 0, 1}};
  const bool alone = one->run(rects);
  if (two->run(rects, 2, 16) != alone) std::abort();
  if (!alone) return;
  for (std::size_t k = 0; k < rects.size(); ++k) {
    if (one->excerpt(k) != two->excerpt(k)) std::abort();
  }
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.type() == b.type() && a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_index(bytes);
  check_split_scan(bytes);
  const patchq::patch::HeaderResult header = patchq::patch::read_image_header(bytes);
  if (!header.header || header.header->format != patchq::patch::ImageFormat::jpeg) return 0;
  const std::int64_t w = header.header->width;
  const std::int64_t h = header.header->height;
  if (w * h > kMaxPixels) return 0;
  const auto full = patchq::patch::decode_jpeg(bytes, 64 << 20);
  for (const int layout : {0, 1, 2, 3}) {
    const int threads = 1 + layout % 2;
    std::vector<patchq::patch::JpegRegion> regions;
    if (layout < 2) {  // a quarter of the rows and more
      regions.push_back({{0, 0, (w + 1) / 2, (h + 3) / 4}, {}});
      if (h >= 4) regions.push_back({{w / 3, h - h / 4, w - w / 3, h / 4}, {}});
    } else {  // small ones, scanned excerpts on a larger image
      regions.push_back({{w / 5, h / 9, std::max<std::int64_t>(1, w / 9), 1 + h / 11}, {}});
      if (h >= 3) regions.push_back({{w - 1, h / 2, 1, 1}, {}});
      if (h >= 4) regions.push_back({{0, h - h / 4, w / 7 + 1, h / 8 + 1}, {}});
    }
    patchq::patch::JpegRegionStats stats;
    const auto done =
        patchq::patch::decode_jpeg_regions(bytes, 64 << 20, regions, &stats, {}, threads);
    if (!done.ok()) {
      if (done.error().reason.empty()) std::abort();
      continue;
    }
    if (!*done) continue;  // progressive: left to the full decode
    for (const patchq::patch::JpegRegion& r : regions) {
      if (r.pixels.rows != r.rect.h || r.pixels.cols != r.rect.w) std::abort();
    }
    if (!full.ok() && stats.scanned) std::abort();  // the scan passed what libjpeg refuses
    if (!full.ok()) continue;  // damage in rows no region reads (restart excerpts)
    for (const patchq::patch::JpegRegion& r : regions) {
      const cv::Mat expected =
          (*full)(cv::Rect(static_cast<int>(r.rect.x), static_cast<int>(r.rect.y),
                           static_cast<int>(r.rect.w), static_cast<int>(r.rect.h)));
      if (!same_pixels(r.pixels, expected)) std::abort();
    }
  }
  return 0;
}
