// See tile_encoder.hpp.
#include "common/patch/tile_encoder.hpp"

#include <algorithm>
#include <exception>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/patch/opencv_codecs.hpp"
#include "common/patch/png_encode.hpp"

namespace patchq::patch {

std::optional<TileFormat> parse_tile_format(std::string_view text) {
  if (text == "png") return TileFormat::png;
  if (text == "jpeg" || text == "jpg") return TileFormat::jpeg;
  if (text == "webp") return TileFormat::webp;
  return std::nullopt;
}

std::string_view tile_extension(TileFormat format) {
  switch (format) {
    case TileFormat::png:
      return "png";
    case TileFormat::jpeg:
      return "jpg";
    case TileFormat::webp:
      return "webp";
  }
  return "png";
}

std::string encode_tile(const cv::Mat& tile, const EncodeOptions& options,
                        std::vector<unsigned char>& out) {
  try {
    if (options.format == TileFormat::png) {
      return encode_png(tile, out);
    }
    cv::Mat pixels = tile;
    if (pixels.depth() == CV_16U) pixels.convertTo(pixels, CV_8U, 1.0 / 257.0);
    if (options.format == TileFormat::jpeg) {
      if (pixels.channels() == 4) cv::cvtColor(pixels, pixels, cv::COLOR_BGRA2BGR);
      const int quality = std::clamp(options.quality, 1, 100);
      if (!opencv_imencode(".jpg", pixels, out, {cv::IMWRITE_JPEG_QUALITY, quality})) {
        return "JPEG encoder refused the tile";
      }
      return {};
    }
    const int quality = std::clamp(options.quality, 1, 101);
    if (!opencv_imencode(".webp", pixels, out, {cv::IMWRITE_WEBP_QUALITY, quality})) {
      return "WebP encoder refused the tile";
    }
    return {};
  } catch (const cv::Exception& e) {
    return "could not encode the tile: " + e.err;
  } catch (const std::exception& e) {
    return std::string("could not encode the tile: ") + e.what();
  }
}

void prepare_encoder(const EncodeOptions& options, bool thumbnails) noexcept {
  if (options.format != TileFormat::png || thumbnails) preload_opencv_codecs();
}

std::string encode_thumbnail(const cv::Mat& tile, int max_side, std::vector<unsigned char>& out) {
  try {
    const int longer = std::max(tile.cols, tile.rows);
    cv::Mat small = tile;
    if (longer > max_side && longer > 0) {
      const double scale = static_cast<double>(max_side) / longer;
      const cv::Size size(std::max(1, static_cast<int>(tile.cols * scale + 0.5)),
                          std::max(1, static_cast<int>(tile.rows * scale + 0.5)));
      cv::resize(tile, small, size, 0, 0, cv::INTER_AREA);
    }
    return encode_tile(small, EncodeOptions{TileFormat::jpeg, 85}, out);
  } catch (const cv::Exception& e) {
    return "could not make the thumbnail: " + e.err;
  }
}

}  // namespace patchq::patch
