// PNG writer for tiles: the PNG container around libdeflate's zlib compressor.
// OpenCV's default PNG settings (libpng, zlib level 1 with the RLE strategy, the Sub filter) spend
// most of a job's time in zlib; libdeflate's level 1 compresses the same rows ~1.6x faster and no
// larger. Every row is written with the Up filter, which compresses smooth images a quarter
// better than Sub and noisy photos the same.
//   - 1, 3 or 4 channels (gray, BGR, BGRA -> PNG gray, RGB, RGBA) of 8 or 16-bit samples, as is;
//     decoding the file gives back exactly the input pixels (16-bit samples are big-endian in PNG).
//   - Tiles whose rows take more than kWholeTileBytes are streamed through zlib row by row
//     instead, so a huge tile costs about its compressed size in memory, not twice its raw size
//     (libdeflate needs the whole filtered input at once).
// Invariant: the tile is only read; never throws (failures come back as a reason).
#pragma once

#include <cstddef>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace patchq::patch {

inline constexpr std::size_t kWholeTileBytes = std::size_t{64} << 20;

// Returns an empty string on success, the reason otherwise; `out` then holds the PNG file.
// `whole_tile_bytes` is the streaming threshold (a parameter so tests can reach both ways).
std::string encode_png(const cv::Mat& tile, std::vector<unsigned char>& out,
                       std::size_t whole_tile_bytes = kWholeTileBytes);

}  // namespace patchq::patch
