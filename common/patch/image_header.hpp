// Image header reader: recognises the accepted formats by their magic bytes and reads the
// pixel size (and the EXIF orientation where there is one) from the header alone, so the tiler
// can refuse an oversized image before decoding a single pixel.
//   Accepted: JPEG (FF D8 FF), PNG (89 "PNG" 0D 0A 1A 0A), classic TIFF ("II*\0" / "MM\0*"),
//   WebP ("RIFF" .... "WEBP": VP8, VP8L and VP8X), BMP ("BM"). Everything else is refused;
//   OpenCV's rarer decoders are never reached.
//   Size is read for all five formats. Orientation is read from JPEG (APP1 "Exif") and TIFF
//   (IFD0 tag 274); PNG eXIf and WebP EXIF chunks are not read (orientation 1).
//   Channels and bytes per sample are those OpenCV 4.6's imdecode(IMREAD_UNCHANGED) (and
//   jpeg_decode) produce for that header, so decoded_bytes() is the size of the decoded image
//   before a single pixel is decoded: JPEG 1 (gray) or 3; PNG from the colour type, a tRNS chunk
//   adding alpha; TIFF from photometric, samples and bits; WebP 3, or 4 with alpha; BMP 4 at 32
//   bits, 1 with a gray palette, else 3.
// Invariant: never reads outside `bytes`; any malformed or truncated header gives a reason.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::patch {

enum class ImageFormat { unknown, jpeg, png, tiff, webp, bmp };

const char* format_name(ImageFormat format);  // "JPEG", "PNG", ...
ImageFormat sniff_format(std::string_view bytes);

struct ImageHeader {
  ImageFormat format = ImageFormat::unknown;
  std::int64_t width = 0;  // as stored, before any EXIF orientation
  std::int64_t height = 0;
  int orientation = 1;       // EXIF orientation 1..8 (1 = as stored)
  int channels = 3;          // of the decoded image
  int bytes_per_sample = 1;  // of the decoded image: 1, 2 (16-bit), 4 or 8 (float TIFF)
  // A progressive JPEG: the DCT coefficients libjpeg keeps for the whole image while it
  // decodes (2 bytes each, every component); 0 for every other image.
  std::uint64_t coefficient_bytes = 0;
};

// width x height x channels x bytes_per_sample: what the decoded pixels take in memory.
std::uint64_t decoded_bytes(const ImageHeader& header);

struct HeaderResult {
  std::optional<ImageHeader> header;
  bool unsupported_format = false;  // true when the magic bytes were not recognised
  std::string error;                // set when !header
};

HeaderResult read_image_header(std::string_view bytes);

// The orientation tag (274) of a TIFF-structured block such as an EXIF payload; 1 when absent
// or invalid.
int tiff_orientation(std::string_view tiff);

}  // namespace patchq::patch
