// See image_header.hpp. Every read goes through Cursor, which checks bounds first.
#include "common/patch/image_header.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace patchq::patch {
namespace {

using u8 = unsigned char;

// Bounds-checked reads of little/big-endian integers at absolute offsets.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : b_(bytes) {}
  std::size_t size() const { return b_.size(); }
  bool has(std::size_t offset, std::size_t count) const {
    return offset <= b_.size() && count <= b_.size() - offset;
  }
  std::uint32_t byte(std::size_t i) const { return static_cast<u8>(b_[i]); }
  std::uint32_t be16(std::size_t i) const { return byte(i) << 8 | byte(i + 1); }
  std::uint32_t le16(std::size_t i) const { return byte(i + 1) << 8 | byte(i); }
  std::uint32_t be32(std::size_t i) const { return be16(i) << 16 | be16(i + 2); }
  std::uint32_t le32(std::size_t i) const { return le16(i + 2) << 16 | le16(i); }
  std::uint32_t le24(std::size_t i) const { return byte(i + 2) << 16 | le16(i); }
  std::string_view slice(std::size_t offset, std::size_t count) const {
    return b_.substr(offset, count);
  }

 private:
  std::string_view b_;
};

HeaderResult failure(std::string reason) {
  return HeaderResult{std::nullopt, false, std::move(reason)};
}

// What the decoder will make of the pixels: channels and bytes per sample.
struct DecodedLayout {
  int channels = 3;
  int bytes_per_sample = 1;
};

HeaderResult success(ImageFormat format, std::int64_t width, std::int64_t height, int orientation,
                     DecodedLayout layout) {
  if (width <= 0 || height <= 0) {
    return failure(std::string(format_name(format)) + " header gives an empty size " +
                   std::to_string(width) + "x" + std::to_string(height));
  }
  return HeaderResult{
      ImageHeader{format, width, height, orientation, layout.channels, layout.bytes_per_sample},
      false,
      {}};
}

// IFD0 of a TIFF structure: width (256), height (257), bits per sample (258, the first
// sample's), photometric interpretation (262), orientation (274), samples per pixel (277).
struct TiffFields {
  bool ok = false;
  std::int64_t width = 0;
  std::int64_t height = 0;
  int orientation = 1;
  std::uint32_t bits_per_sample = 1;  // TIFF defaults
  std::uint32_t photometric = 1;
  std::uint32_t samples_per_pixel = 1;
};

TiffFields read_tiff_ifd0(std::string_view tiff) {
  TiffFields out;
  const Cursor c(tiff);
  if (!c.has(0, 8)) return out;
  bool little = false;
  if (tiff.substr(0, 4) == std::string_view("II*\0", 4)) {
    little = true;
  } else if (tiff.substr(0, 4) != std::string_view("MM\0*", 4)) {
    return out;
  }
  const auto u16 = [&](std::size_t i) { return little ? c.le16(i) : c.be16(i); };
  const auto u32 = [&](std::size_t i) { return little ? c.le32(i) : c.be32(i); };
  const std::size_t ifd = u32(4);
  if (!c.has(ifd, 2)) return out;
  const std::size_t entries = u16(ifd);
  if (!c.has(ifd + 2, entries * 12)) return out;
  for (std::size_t e = 0; e < entries; ++e) {
    const std::size_t at = ifd + 2 + e * 12;
    const std::uint32_t tag = u16(at);
    const std::uint32_t type = u16(at + 2);
    const std::uint32_t count = u32(at + 4);
    if (tag == 258 && type == 3 && count > 2) {  // one SHORT per sample, stored elsewhere
      const std::size_t values = u32(at + 8);
      if (c.has(values, 2)) out.bits_per_sample = u16(values);
      continue;
    }
    if (tag == 258 && type == 3 && count == 2) {
      out.bits_per_sample = u16(at + 8);
      continue;
    }
    if (count != 1 || (type != 3 && type != 4)) continue;  // SHORT or LONG, one value
    const std::uint32_t value = type == 3 ? u16(at + 8) : u32(at + 8);
    if (tag == 256) out.width = value;
    if (tag == 257) out.height = value;
    if (tag == 274 && value >= 1 && value <= 8) out.orientation = static_cast<int>(value);
    if (tag == 258) out.bits_per_sample = value;
    if (tag == 262) out.photometric = value;
    if (tag == 277) out.samples_per_pixel = value;
  }
  out.ok = true;
  return out;
}

bool is_sof(std::uint32_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

bool is_progressive_sof(std::uint32_t marker) {
  return marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
}

// What libjpeg buffers for a progressive frame: every DCT block of every component (64
// coefficients of 2 bytes), each component's blocks rounded up to whole MCUs as libjpeg
// allocates them. A frame header too short for its components gives 0 (libjpeg refuses it).
std::uint64_t progressive_coefficient_bytes(const Cursor& frame, std::int64_t width,
                                            std::int64_t height) {
  const std::size_t components = frame.byte(5);
  if (components == 0 || !frame.has(6, components * 3)) return 0;
  std::int64_t max_h = 1;
  std::int64_t max_v = 1;
  for (std::size_t i = 0; i < components; ++i) {
    max_h = std::max<std::int64_t>(max_h, frame.byte(6 + i * 3 + 1) >> 4);
    max_v = std::max<std::int64_t>(max_v, frame.byte(6 + i * 3 + 1) & 0x0F);
  }
  const auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < components; ++i) {
    const std::int64_t h = std::max<std::int64_t>(frame.byte(6 + i * 3 + 1) >> 4, 1);
    const std::int64_t v = std::max<std::int64_t>(frame.byte(6 + i * 3 + 1) & 0x0F, 1);
    const std::int64_t blocks_wide = ceil_div(ceil_div(width * h, max_h * 8), h) * h;
    const std::int64_t blocks_high = ceil_div(ceil_div(height * v, max_v * 8), v) * v;
    bytes += static_cast<std::uint64_t>(blocks_wide * blocks_high) * 64 * 2;
  }
  return bytes;
}

HeaderResult read_jpeg(const Cursor& c, std::string_view bytes) {
  int orientation = 1;
  std::size_t pos = 2;
  while (true) {
    if (!c.has(pos, 1)) return failure("truncated JPEG header (no frame header found)");
    if (c.byte(pos) != 0xFF) {
      return failure("corrupt JPEG header (expected a marker at byte " + std::to_string(pos) + ")");
    }
    while (c.has(pos, 1) && c.byte(pos) == 0xFF) ++pos;  // fill bytes
    if (!c.has(pos, 1)) return failure("truncated JPEG header (no frame header found)");
    const std::uint32_t marker = c.byte(pos++);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length field
    if (marker == 0xD9 || marker == 0xDA) {
      return failure("corrupt JPEG header (image data starts before the frame header)");
    }
    if (!c.has(pos, 2)) return failure("truncated JPEG header");
    const std::size_t length = c.be16(pos);
    if (length < 2)
      return failure("corrupt JPEG header (segment length " + std::to_string(length) + ")");
    if (!c.has(pos, length)) return failure("truncated JPEG header");
    const std::string_view segment = bytes.substr(pos + 2, length - 2);
    if (is_sof(marker)) {
      if (segment.size() < 6) return failure("truncated JPEG frame header");
      const Cursor s(segment);
      const std::int64_t height = s.be16(1);
      const std::int64_t width = s.be16(3);
      if (height == 0) {
        return failure(
            "JPEG height is only given after the image data (DNL marker); not supported");
      }
      const int components = static_cast<int>(s.byte(5));
      HeaderResult out = success(ImageFormat::jpeg, width, height, orientation,
                                 DecodedLayout{components == 1 ? 1 : 3, 1});
      if (out.header && is_progressive_sof(marker)) {
        out.header->coefficient_bytes = progressive_coefficient_bytes(s, width, height);
      }
      return out;
    }
    if (marker == 0xE1 && segment.substr(0, 6) == std::string_view("Exif\0\0", 6)) {
      orientation = tiff_orientation(segment.substr(6));
    }
    pos += length;
  }
}

// Whether a tRNS chunk comes before the image data (OpenCV then decodes RGB/palette as BGRA).
bool png_has_transparency_chunk(const Cursor& c, std::string_view bytes) {
  std::size_t pos = 8;
  while (c.has(pos, 8)) {
    const std::string_view type = bytes.substr(pos + 4, 4);
    if (type == "tRNS") return true;
    if (type == "IDAT" || type == "IEND") return false;
    pos += std::size_t{12} + c.be32(pos);
  }
  return false;
}

HeaderResult read_png(const Cursor& c, std::string_view bytes) {
  if (!c.has(0, 24)) return failure("truncated PNG header");
  if (bytes.substr(12, 4) != "IHDR") return failure("corrupt PNG header (first chunk is not IHDR)");
  const std::int64_t width = c.be32(16);
  const std::int64_t height = c.be32(20);
  if (width > 0x7FFFFFFF || height > 0x7FFFFFFF)
    return failure("corrupt PNG header (size over 2^31)");
  if (!c.has(24, 2)) return failure("truncated PNG header");
  const std::uint32_t bit_depth = c.byte(24);
  const std::uint32_t color_type = c.byte(25);
  DecodedLayout layout{1, bit_depth == 16 ? 2 : 1};
  if (color_type == 4 || color_type == 6) layout.channels = 4;  // gray + alpha, RGBA
  if (color_type == 2 || color_type == 3) {                     // RGB, palette: alpha if tRNS
    layout.channels = png_has_transparency_chunk(c, bytes) ? 4 : 3;
  }
  return success(ImageFormat::png, width, height, 1, layout);
}

HeaderResult read_webp(const Cursor& c, std::string_view bytes) {
  if (!c.has(0, 20)) return failure("truncated WebP header");
  const std::string_view chunk = bytes.substr(12, 4);
  constexpr std::size_t data = 20;
  if (chunk == "VP8 ") {
    if (!c.has(data, 10)) return failure("truncated WebP (VP8) header");
    if (c.byte(data + 3) != 0x9D || c.byte(data + 4) != 0x01 || c.byte(data + 5) != 0x2A) {
      return failure("corrupt WebP (VP8) header");
    }
    return success(ImageFormat::webp, c.le16(data + 6) & 0x3FFF, c.le16(data + 8) & 0x3FFF, 1,
                   DecodedLayout{3, 1});
  }
  if (chunk == "VP8L") {
    if (!c.has(data, 5)) return failure("truncated WebP (VP8L) header");
    if (c.byte(data) != 0x2F) return failure("corrupt WebP (VP8L) header");
    const std::uint32_t bits = c.le32(data + 1);
    const bool alpha = (bits >> 28) & 1;
    return success(ImageFormat::webp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 1,
                   DecodedLayout{alpha ? 4 : 3, 1});
  }
  if (chunk == "VP8X") {
    if (!c.has(data, 10)) return failure("truncated WebP (VP8X) header");
    const bool alpha = c.byte(data) & 0x10;
    return success(ImageFormat::webp, std::int64_t{c.le24(data + 4)} + 1,
                   std::int64_t{c.le24(data + 7)} + 1, 1, DecodedLayout{alpha ? 4 : 3, 1});
  }
  return failure("corrupt WebP header (unknown first chunk)");
}

// OpenCV decodes a palette image to one channel when every palette entry it reads is gray.
// A palette cut short counts as colour (the larger, safer estimate).
bool bmp_palette_is_gray(const Cursor& c, std::uint32_t info_size, std::uint32_t bits) {
  const std::uint32_t full = 1u << bits;
  const std::uint32_t used = c.has(46, 4) ? c.le32(46) : 0;
  const std::uint32_t entries = used == 0 || used > full ? full : used;
  const std::size_t palette = std::size_t{14} + info_size;
  if (!c.has(palette, std::size_t{entries} * 4)) return false;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t at = palette + std::size_t{i} * 4;  // blue, green, red, reserved
    if (c.byte(at) != c.byte(at + 1) || c.byte(at) != c.byte(at + 2)) return false;
  }
  return true;
}

HeaderResult read_bmp(const Cursor& c) {
  if (!c.has(14, 4)) return failure("truncated BMP header");
  const std::uint32_t info_size = c.le32(14);
  if (info_size == 12) {  // BITMAPCOREHEADER: 16-bit sizes; its palette is taken as colour
    if (!c.has(18, 4)) return failure("truncated BMP header");
    return success(ImageFormat::bmp, c.le16(18), c.le16(20), 1, DecodedLayout{3, 1});
  }
  if (info_size < 40)
    return failure("corrupt BMP header (info header size " + std::to_string(info_size) + ")");
  if (!c.has(18, 8)) return failure("truncated BMP header");
  const std::int64_t width = static_cast<std::int32_t>(c.le32(18));
  std::int64_t height = static_cast<std::int32_t>(c.le32(22));
  if (height < 0) height = -height;  // negative height: rows stored top-down
  // A header cut before the bit count still gives the size; the layout is then a guess (colour).
  const std::uint32_t bits = c.has(28, 2) ? c.le16(28) : 24;
  const std::uint32_t compression = c.has(30, 4) ? c.le32(30) : 0;
  DecodedLayout layout{3, 1};
  if (bits == 32 && compression == 3) layout.channels = 4;  // BI_BITFIELDS: OpenCV keeps alpha
  if (bits <= 8 && bmp_palette_is_gray(c, info_size, bits)) layout.channels = 1;
  return success(ImageFormat::bmp, width, height, 1, layout);
}

HeaderResult read_tiff(std::string_view bytes) {
  const TiffFields f = read_tiff_ifd0(bytes);
  if (!f.ok) return failure("truncated or corrupt TIFF header");
  if (f.width == 0 || f.height == 0) return failure("TIFF header has no image width or height");
  DecodedLayout layout;
  const std::uint32_t bits = f.bits_per_sample;
  layout.bytes_per_sample = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
  const bool gray = f.photometric == 0 || f.photometric == 1;  // min-is-white, min-is-black
  if (f.photometric == 3) {
    layout.channels = 3;  // palette: expanded to BGR
  } else if (gray) {
    layout.channels = 1;  // OpenCV drops a gray image's extra (alpha) sample
  } else {
    layout.channels = static_cast<int>(std::clamp<std::uint32_t>(f.samples_per_pixel, 1, 4));
  }
  return success(ImageFormat::tiff, f.width, f.height, f.orientation, layout);
}

}  // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::tiff:
      return "TIFF";
    case ImageFormat::webp:
      return "WebP";
    case ImageFormat::bmp:
      return "BMP";
    case ImageFormat::unknown:
      break;
  }
  return "unknown";
}

ImageFormat sniff_format(std::string_view b) {
  if (b.substr(0, 3) == "\xFF\xD8\xFF") return ImageFormat::jpeg;
  if (b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return ImageFormat::png;
  if (b.substr(0, 4) == std::string_view("II*\0", 4) ||
      b.substr(0, 4) == std::string_view("MM\0*", 4)) {
    return ImageFormat::tiff;
  }
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
    return ImageFormat::webp;
  if (b.substr(0, 2) == "BM") return ImageFormat::bmp;
  return ImageFormat::unknown;
}

HeaderResult read_image_header(std::string_view bytes) {
  const Cursor c(bytes);
  switch (sniff_format(bytes)) {
    case ImageFormat::jpeg:
      return read_jpeg(c, bytes);
    case ImageFormat::png:
      return read_png(c, bytes);
    case ImageFormat::tiff:
      return read_tiff(bytes);
    case ImageFormat::webp:
      return read_webp(c, bytes);
    case ImageFormat::bmp:
      return read_bmp(c);
    case ImageFormat::unknown:
      break;
  }
  std::string hex;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(static_cast<u8>(bytes[i])));
    if (!hex.empty()) hex += ' ';
    hex += buf;
  }
  HeaderResult out = failure(
      "unsupported image format (first bytes: " + (hex.empty() ? std::string("none") : hex) +
      "); patchq accepts JPEG, PNG, TIFF, WebP and BMP");
  out.unsupported_format = true;
  return out;
}

int tiff_orientation(std::string_view tiff) {
  return read_tiff_ifd0(tiff).orientation;
}

std::uint64_t decoded_bytes(const ImageHeader& h) {
  // Each side < 2^32 and channels x bytes <= 32, so the product fits in 64 bits... except for
  // sides near 2^32 both; saturate rather than wrap.
  const auto w = static_cast<std::uint64_t>(h.width);
  const auto height = static_cast<std::uint64_t>(h.height);
  const auto per_pixel = static_cast<std::uint64_t>(h.channels * h.bytes_per_sample);
  if (w != 0 && height > UINT64_MAX / w) return UINT64_MAX;
  const std::uint64_t pixels = w * height;
  if (per_pixel != 0 && pixels > UINT64_MAX / per_pixel) return UINT64_MAX;
  return pixels * per_pixel;
}

}  // namespace patchq::patch
