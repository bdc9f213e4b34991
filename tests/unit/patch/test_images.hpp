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
inline std::string png_header_only(std::uint32_t width, std::uint32_t height) {
  std::string ihdr = be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + ihdr + be32(0) /* CRC */;
}

}  // namespace patchq::patch::test_images
