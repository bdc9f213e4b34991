// Image dimensions from headers: see image_size.hpp. Where each format keeps them:
//   PNG   IHDR right after the 8-byte signature: width, height big-endian at 16 and 20
//   JPEG  the first SOFn segment (not DHT C4, JPG C8, DAC CC): height, width big-endian
//   TIFF  the first IFD's tags 256 (width) and 257 (height), SHORT or LONG, either byte order
//   WebP  "VP8 " frame header, "VP8L" packed 14-bit fields, or "VP8X" 24-bit fields
//   BMP   width, height little-endian int32 at 18 and 22 (height negative for top-down)
//   GIF   logical screen width, height little-endian at 6 and 8
#include "services/v7sim/image_size.hpp"

#include <cstdint>
#include <cstdlib>

namespace patchq::v7sim {

namespace {

using namespace std::string_view_literals;  // magic numbers hold NUL bytes

std::uint32_t byte_at(std::string_view b, std::size_t i) {
  return static_cast<unsigned char>(b[i]);
}
std::uint32_t be16(std::string_view b, std::size_t i) {
  return (byte_at(b, i) << 8) | byte_at(b, i + 1);
}
std::uint32_t be32(std::string_view b, std::size_t i) {
  return (be16(b, i) << 16) | be16(b, i + 2);
}
std::uint32_t le16(std::string_view b, std::size_t i) {
  return byte_at(b, i) | (byte_at(b, i + 1) << 8);
}
std::uint32_t le24(std::string_view b, std::size_t i) {
  return le16(b, i) | (byte_at(b, i + 2) << 16);
}
std::uint32_t le32(std::string_view b, std::size_t i) {
  return le16(b, i) | (le16(b, i + 2) << 16);
}

bool is_png(std::string_view b) {
  return b.starts_with("\x89PNG\r\n\x1a\n"sv);
}
bool is_jpeg(std::string_view b) {
  return b.starts_with("\xFF\xD8\xFF"sv);
}
bool is_tiff(std::string_view b) {
  return b.starts_with("II*\0"sv) || b.starts_with("MM\0*"sv);
}
bool is_webp(std::string_view b) {
  return b.size() >= 12 && b.starts_with("RIFF"sv) && b.substr(8, 4) == "WEBP"sv;
}
bool is_bmp(std::string_view b) {
  return b.starts_with("BM"sv);
}
bool is_gif(std::string_view b) {
  return b.starts_with("GIF87a"sv) || b.starts_with("GIF89a"sv);
}

std::optional<ImageSize> sized(std::uint64_t w, std::uint64_t h) {
  if (w == 0 || h == 0 || w > 0x7FFFFFFF || h > 0x7FFFFFFF) return std::nullopt;
  return ImageSize{static_cast<int>(w), static_cast<int>(h)};
}

std::optional<ImageSize> png_size(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR"sv) return std::nullopt;
  return sized(be32(b, 16), be32(b, 20));
}

std::optional<ImageSize> jpeg_size(std::string_view b) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (byte_at(b, i) != 0xFF) return std::nullopt;
    const std::uint32_t marker = byte_at(b, i + 1);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;  // markers without a length
      continue;
    }
    const std::uint32_t length = be16(b, i + 2);
    if (length < 2) return std::nullopt;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) return std::nullopt;
      return sized(be16(b, i + 7), be16(b, i + 5));
    }
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageSize> tiff_size(std::string_view b) {
  const bool little = b[0] == 'I';
  const auto u16 = [&](std::size_t i) { return little ? le16(b, i) : be16(b, i); };
  const auto u32 = [&](std::size_t i) { return little ? le32(b, i) : be32(b, i); };
  if (b.size() < 8) return std::nullopt;
  const std::size_t ifd = u32(4);
  if (ifd + 2 > b.size()) return std::nullopt;
  const std::size_t entries = u16(ifd);
  std::uint64_t width = 0;
  std::uint64_t height = 0;
  for (std::size_t e = 0; e < entries; ++e) {
    const std::size_t at = ifd + 2 + e * 12;
    if (at + 12 > b.size()) return std::nullopt;
    const auto tag = u16(at);
    const auto type = u16(at + 2);
    const std::uint64_t value = type == 3 ? u16(at + 8) : type == 4 ? u32(at + 8) : 0;
    if (tag == 256) width = value;
    if (tag == 257) height = value;
  }
  return sized(width, height);
}

std::optional<ImageSize> webp_size(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const auto chunk = b.substr(12, 4);
  if (chunk == "VP8 "sv) return sized(le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF);
  if (chunk == "VP8L"sv) {
    const std::uint32_t bits = le32(b, 21);
    return sized((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (chunk == "VP8X"sv) return sized(le24(b, 24) + 1, le24(b, 27) + 1);
  return std::nullopt;
}

std::optional<ImageSize> bmp_size(std::string_view b) {
  if (b.size() < 26) return std::nullopt;
  const auto height = static_cast<std::int32_t>(le32(b, 22));
  return sized(le32(b, 18),
               static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(height))));
}

std::optional<ImageSize> gif_size(std::string_view b) {
  if (b.size() < 10) return std::nullopt;
  return sized(le16(b, 6), le16(b, 8));
}

}  // namespace

std::optional<ImageSize> read_image_size(std::string_view bytes) {
  if (is_png(bytes)) return png_size(bytes);
  if (is_jpeg(bytes)) return jpeg_size(bytes);
  if (is_tiff(bytes)) return tiff_size(bytes);
  if (is_webp(bytes)) return webp_size(bytes);
  if (is_bmp(bytes)) return bmp_size(bytes);
  if (is_gif(bytes)) return gif_size(bytes);
  return std::nullopt;
}

std::string_view sniff_content_type(std::string_view bytes) {
  if (is_png(bytes)) return "image/png";
  if (is_jpeg(bytes)) return "image/jpeg";
  if (is_tiff(bytes)) return "image/tiff";
  if (is_webp(bytes)) return "image/webp";
  if (is_bmp(bytes)) return "image/bmp";
  if (is_gif(bytes)) return "image/gif";
  return "application/octet-stream";
}

}  // namespace patchq::v7sim
