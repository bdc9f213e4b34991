// Tile encoding: one ROI view of the decoded image -> file bytes.
//   PNG (default): png_encode.hpp (libdeflate); keeps 1/3/4 channels and 8 or 16-bit samples
//     as is.
//   JPEG: quality 1..100; 16-bit samples are scaled to 8-bit (v / 257), alpha is dropped.
//   WebP: quality 1..100 lossy, above 100 lossless (OpenCV's convention); 16-bit samples are
//     scaled to 8-bit, alpha is kept.
// Invariant: the ROI is only read; conversions, when needed, copy the tile only.
#pragma once

#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace patchq::patch {

enum class TileFormat { png, jpeg, webp };

struct EncodeOptions {
  TileFormat format = TileFormat::png;
  int quality = 90;  // JPEG and WebP only
};

std::optional<TileFormat> parse_tile_format(std::string_view text);  // "png", "jpeg"/"jpg", "webp"
std::string_view tile_extension(TileFormat format);                  // "png", "jpg", "webp"

// Returns an empty string on success, the reason otherwise. Never throws.
std::string encode_tile(const cv::Mat& tile, const EncodeOptions& options,
                        std::vector<unsigned char>& out);

// Loads now what encode_tile and encode_thumbnail will use for these options (OpenCV's codecs for
// JPEG and WebP tiles and for thumbnails; nothing for PNG tiles), so that the first tile does not
// wait for it. Never throws.
void prepare_encoder(const EncodeOptions& options, bool thumbnails) noexcept;

// A JPEG (quality 85) of the tile scaled down (area averaging) so that its longer side is at
// most `max_side`; a smaller tile keeps its size. Same return convention as encode_tile.
std::string encode_thumbnail(const cv::Mat& tile, int max_side, std::vector<unsigned char>& out);

}  // namespace patchq::patch
