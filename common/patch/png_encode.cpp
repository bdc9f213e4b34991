// See png_encode.hpp. Layout: signature, IHDR, IDAT (one chunk from libdeflate, or several of
// kStreamChunk bytes when streamed through zlib), IEND. Filtering needs no scratch row: Up
// subtracts byte by byte, so it commutes with reordering a pixel's bytes into PNG order
// (BGR -> RGB, little -> big-endian), and each filtered row is made straight from two source rows.
#include "common/patch/png_encode.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <opencv2/core.hpp>

namespace patchq::patch {
namespace {

constexpr std::array<unsigned char, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr unsigned char kFilterUp = 2;
constexpr std::size_t kStreamChunk = std::size_t{1} << 20;

struct Layout {
  int channels = 0;
  int sample_bytes = 0;  // 1 or 2
  std::size_t pixel_bytes = 0;
  std::size_t row_bytes = 0;  // without the filter byte
  // PNG byte k of a pixel comes from source byte order[k] of that pixel.
  std::array<int, 8> order{};
};

Layout layout_of(const cv::Mat& tile) {
  Layout l;
  l.channels = tile.channels();
  l.sample_bytes = tile.depth() == CV_16U ? 2 : 1;
  l.pixel_bytes = static_cast<std::size_t>(l.channels * l.sample_bytes);
  l.row_bytes = l.pixel_bytes * static_cast<std::size_t>(tile.cols);
  for (int c = 0; c < l.channels; ++c) {
    // OpenCV's BGR(A) is PNG's RGB(A) with the first and third channel swapped.
    const int source_channel = (l.channels >= 3 && (c == 0 || c == 2)) ? 2 - c : c;
    for (int b = 0; b < l.sample_bytes; ++b) {
      // PNG samples are big-endian; the host (x86-64, arm64) is little-endian.
      l.order[static_cast<std::size_t>(c * l.sample_bytes + b)] =
          source_channel * l.sample_bytes + (l.sample_bytes - 1 - b);
    }
  }
  return l;
}

// Writes the filter byte and the Up-filtered row y (the row above is zeros for y == 0).
void filter_row(const cv::Mat& tile, const Layout& l, int y, unsigned char* dst) {
  static const std::array<unsigned char, 8> zeros{};
  const unsigned char* cur = tile.ptr<unsigned char>(y);
  const unsigned char* up = y > 0 ? tile.ptr<unsigned char>(y - 1) : nullptr;
  *dst++ = kFilterUp;
  const std::size_t cols = static_cast<std::size_t>(tile.cols);
  if (l.channels == 3 && l.sample_bytes == 1) {  // the common case, kept branch-free
    if (up == nullptr) {
      for (std::size_t x = 0; x < cols; ++x, cur += 3, dst += 3) {
        dst[0] = cur[2];
        dst[1] = cur[1];
        dst[2] = cur[0];
      }
      return;
    }
    for (std::size_t x = 0; x < cols; ++x, cur += 3, up += 3, dst += 3) {
      dst[0] = static_cast<unsigned char>(cur[2] - up[2]);
      dst[1] = static_cast<unsigned char>(cur[1] - up[1]);
      dst[2] = static_cast<unsigned char>(cur[0] - up[0]);
    }
    return;
  }
  if (l.channels == 1 && l.sample_bytes == 1) {
    for (std::size_t x = 0; x < cols; ++x) {
      dst[x] = static_cast<unsigned char>(cur[x] - (up != nullptr ? up[x] : 0));
    }
    return;
  }
  for (std::size_t x = 0; x < cols; ++x, cur += l.pixel_bytes, dst += l.pixel_bytes) {
    const unsigned char* above = up != nullptr ? up + x * l.pixel_bytes : zeros.data();
    for (std::size_t k = 0; k < l.pixel_bytes; ++k) {
      const auto from = static_cast<std::size_t>(l.order[k]);
      dst[k] = static_cast<unsigned char>(cur[from] - above[from]);
    }
  }
}

void put_u32(std::vector<unsigned char>& out, std::uint32_t v) {
  out.push_back(static_cast<unsigned char>(v >> 24));
  out.push_back(static_cast<unsigned char>(v >> 16));
  out.push_back(static_cast<unsigned char>(v >> 8));
  out.push_back(static_cast<unsigned char>(v));
}

void store_u32(unsigned char* p, std::uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

// Closes the chunk whose 4-byte length field starts at `start`: fills in the length and appends
// the CRC of the type and data.
void close_chunk(std::vector<unsigned char>& out, std::size_t start) {
  const std::size_t data = out.size() - start - 8;
  store_u32(out.data() + start, static_cast<std::uint32_t>(data));
  put_u32(out, libdeflate_crc32(0, out.data() + start + 4, data + 4));
}

std::size_t open_chunk(std::vector<unsigned char>& out, const char (&type)[5]) {
  const std::size_t start = out.size();
  put_u32(out, 0);
  out.insert(out.end(), type, type + 4);
  return start;
}

void write_header(const cv::Mat& tile, const Layout& l, std::vector<unsigned char>& out) {
  out.insert(out.end(), kSignature.begin(), kSignature.end());
  const std::size_t ihdr = open_chunk(out, "IHDR");
  put_u32(out, static_cast<std::uint32_t>(tile.cols));
  put_u32(out, static_cast<std::uint32_t>(tile.rows));
  out.push_back(static_cast<unsigned char>(l.sample_bytes * 8));
  out.push_back(l.channels == 1 ? 0 : l.channels == 3 ? 2 : 6);  // gray, RGB, RGBA
  out.push_back(0);                                              // deflate
  out.push_back(0);                                              // adaptive filtering
  out.push_back(0);                                              // not interlaced
  close_chunk(out, ihdr);
}

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

libdeflate_compressor* thread_compressor() {
  // Level 1: the fastest; on photos it already compresses a little better than zlib's level 1.
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> compressor(
      libdeflate_alloc_compressor(1));
  return compressor.get();
}

std::string write_whole(const cv::Mat& tile, const Layout& l, std::vector<unsigned char>& out) {
  libdeflate_compressor* compressor = thread_compressor();
  if (compressor == nullptr) return "out of memory for the PNG compressor";
  const std::size_t line = l.row_bytes + 1;
  std::vector<unsigned char> filtered(line * static_cast<std::size_t>(tile.rows));
  for (int y = 0; y < tile.rows; ++y) {
    filter_row(tile, l, y, filtered.data() + line * static_cast<std::size_t>(y));
  }
  const std::size_t bound = libdeflate_zlib_compress_bound(compressor, filtered.size());
  const std::size_t idat = open_chunk(out, "IDAT");
  const std::size_t data = out.size();
  out.resize(data + bound);
  const std::size_t written = libdeflate_zlib_compress(compressor, filtered.data(), filtered.size(),
                                                       out.data() + data, bound);
  if (written == 0) return "PNG compression failed";
  out.resize(data + written);
  close_chunk(out, idat);
  return {};
}

std::string write_streamed(const cv::Mat& tile, const Layout& l, std::vector<unsigned char>& out) {
  z_stream z{};
  // OpenCV's own PNG settings: level 1 with the RLE strategy.
  if (deflateInit2(&z, 1, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) return "zlib deflateInit failed";
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, deflateEnd);
  std::vector<unsigned char> line(l.row_bytes + 1);
  std::size_t chunk = open_chunk(out, "IDAT");
  for (int y = 0; y <= tile.rows; ++y) {
    const bool last = y == tile.rows;
    if (!last) filter_row(tile, l, y, line.data());
    z.next_in = line.data();
    z.avail_in = last ? 0 : static_cast<uInt>(line.size());
    int status = Z_OK;
    do {
      const std::size_t used = out.size() - chunk - 8;
      if (used >= kStreamChunk) {
        close_chunk(out, chunk);
        chunk = open_chunk(out, "IDAT");
      }
      const std::size_t room = kStreamChunk - (out.size() - chunk - 8);
      const std::size_t at = out.size();
      out.resize(at + room);
      z.next_out = out.data() + at;
      z.avail_out = static_cast<uInt>(room);
      status = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      out.resize(at + room - z.avail_out);
      if (status == Z_STREAM_ERROR) return "zlib deflate failed";
    } while (last ? status != Z_STREAM_END : z.avail_out == 0);
  }
  close_chunk(out, chunk);
  return {};
}

}  // namespace

std::string encode_png(const cv::Mat& tile, std::vector<unsigned char>& out,
                       std::size_t whole_tile_bytes) {
  out.clear();
  if (tile.empty() || tile.dims != 2) return "PNG encoder: empty tile";
  if ((tile.depth() != CV_8U && tile.depth() != CV_16U) ||
      (tile.channels() != 1 && tile.channels() != 3 && tile.channels() != 4)) {
    return "PNG encoder: needs 8 or 16-bit samples with 1, 3 or 4 channels";
  }
  try {
    const Layout l = layout_of(tile);
    write_header(tile, l, out);
    const std::size_t raw = (l.row_bytes + 1) * static_cast<std::size_t>(tile.rows);
    const std::string why =
        raw <= whole_tile_bytes ? write_whole(tile, l, out) : write_streamed(tile, l, out);
    if (!why.empty()) {
      out.clear();
      return why;
    }
    close_chunk(out, open_chunk(out, "IEND"));
    return {};
  } catch (const std::bad_alloc&) {
    out.clear();
    return "out of memory encoding the PNG tile";
  } catch (const std::exception& e) {
    out.clear();
    return std::string("PNG encoder: ") + e.what();
  }
}

}  // namespace patchq::patch
