// Test images for the patch engine's tests: synthetic pixels encoded in memory with OpenCV, and
// hand-built byte strings (EXIF segments, lying headers) where OpenCV cannot make them.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace patchq::patch::test_images {

inline std::string encode(const cv::Mat& image, const std::string& ext,
                          const std::vector<int>& params = {}) {
  std::vector<unsigned char> bytes;
  if (!cv::imencode(ext, image, bytes, params)) return {};
  return std::string(bytes.begin(), bytes.end());
}

inline cv::Mat decode(const std::vector<unsigned char>& bytes) {
  return cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
}

// Deterministic noise: every pixel differs from its neighbours, so a misplaced tile shows.
inline cv::Mat noise(int width, int height, int type, std::uint64_t seed = 42) {
  cv::Mat m(height, width, type);
  cv::RNG rng(seed);
  const double top = CV_MAT_DEPTH(type) == CV_16U ? 65536.0 : 256.0;
  rng.fill(m, cv::RNG::UNIFORM, 0.0, top);
  return m;
}

inline std::string le16(unsigned v) {
  return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
}
inline std::string le32(std::uint32_t v) {
  return le16(v & 0xFFFF) + le16(v >> 16);
}
inline std::string be16(unsigned v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}
inline std::string be32(std::uint32_t v) {
  return be16(v >> 16) + be16(v & 0xFFFF);
}

// A JPEG APP1 "Exif" segment whose IFD0 holds only the orientation tag (little-endian TIFF).
inline std::string exif_segment(int orientation) {
  std::string tiff = std::string("II*\0", 4) + le32(8);
  tiff += le16(1);                                                         // one IFD entry
  tiff += le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0);  // SHORT orientation
  tiff += le32(0);                                                         // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  return std::string("\xFF\xE1") + be16(static_cast<unsigned>(payload.size() + 2)) + payload;
}

// Inserts an EXIF orientation right after the SOI marker of an encoded JPEG.
inline std::string with_orientation(const std::string& jpeg, int orientation) {
  return jpeg.substr(0, 2) + exif_segment(orientation) + jpeg.substr(2);
}

// The 8-byte signature and an IHDR chunk claiming width x height, then nothing: no pixel data.
// Default: 8-bit RGB (colour type 2); 16 and 6 make it 16-bit RGBA.
inline std::string png_header_only(std::uint32_t width, std::uint32_t height, int bit_depth = 8,
                                   int color_type = 2) {
  std::string ihdr = be32(width) + be32(height) + static_cast<char>(bit_depth) +
                     static_cast<char>(color_type) + std::string("\x00\x00\x00", 3);
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + ihdr + be32(0) /* CRC */;
}

// CRC-32 as PNG chunks use it (ISO 3309, the zlib polynomial).
inline std::uint32_t png_crc(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    crc ^= static_cast<unsigned char>(ch);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

// Inserts a chunk (valid CRC) right after IHDR, e.g. tRNS.
inline std::string with_png_chunk(const std::string& png, const std::string& type,
                                  const std::string& data) {
  const std::size_t after_ihdr = 8 + 8 + 13 + 4;
  const std::string chunk = be32(static_cast<std::uint32_t>(data.size())) + type + data;
  return png.substr(0, after_ihdr) + chunk + be32(png_crc(chunk.substr(4))) +
         png.substr(after_ihdr);
}

// A 32-bit BMP with BI_BITFIELDS and an alpha mask (BITMAPV3INFOHEADER), which OpenCV decodes
// to 4 channels; OpenCV itself writes 32-bit BI_RGB, decoded to 3.
inline std::string bmp_with_alpha(const cv::Mat& bgra) {
  const auto row_bytes = static_cast<std::uint32_t>(bgra.cols * 4);
  const std::uint32_t data_offset = 14 + 56;
  const std::uint32_t size = data_offset + row_bytes * static_cast<std::uint32_t>(bgra.rows);
  std::string bmp = "BM" + le32(size) + le32(0) + le32(data_offset);
  bmp += le32(56) + le32(static_cast<std::uint32_t>(bgra.cols)) +
         le32(static_cast<std::uint32_t>(bgra.rows)) + le16(1) + le16(32) +
         le32(3 /* bitfields */) + le32(0) + le32(2835) + le32(2835) + le32(0) + le32(0);
  bmp += le32(0x00FF0000) + le32(0x0000FF00) + le32(0x000000FF) + le32(0xFF000000);  // R G B A
  for (int y = bgra.rows - 1; y >= 0; --y) {                                         // bottom-up
    bmp.append(reinterpret_cast<const char*>(bgra.ptr(y)), row_bytes);
  }
  return bmp;
}

}  // namespace patchq::patch::test_images
