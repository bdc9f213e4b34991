// Image decoding for the tiler: one decode per image, from a memory buffer, with the limits
// checked on the header first.
//   - Only JPEG, PNG, TIFF, WebP and BMP are decoded (magic bytes). From the header, before any
//     pixel is decoded: width x height must be <= max_pixels, and the decoded size (width x
//     height x channels x bytes per sample, twice that when the EXIF orientation is applied,
//     as rotating makes a copy) must be <= max_decoded_bytes.
//   - JPEG goes to libjpeg-turbo directly (jpeg_decode.hpp), which refuses truncated and
//     corrupt files; its working memory (a progressive file's coefficients) gets what is left
//     of max_decoded_bytes. The other formats go to OpenCV's imdecode.
//   - Decoded with IMREAD_UNCHANGED semantics: grayscale stays 1 channel, alpha is kept (4
//     channels), 16-bit PNG/TIFF stay 16-bit; a CMYK JPEG comes out as 3-channel BGR. Results
//     other than 8/16-bit unsigned with 1, 3 or 4 channels are refused.
//   - EXIF orientation: IMREAD_UNCHANGED ignores it, so it is applied here (V7, like browsers,
//     shows a photo upright and annotations are drawn on what was shown). Exception: when the
//     payload's slot size matches the stored pixel grid but not the oriented one, V7 evidently
//     used the stored grid, and the orientation is not applied.
// Invariant: no exception escapes (OpenCV errors and allocation failures become reasons).
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/patch/image_header.hpp"
#include "common/patch/jpeg_decode.hpp"
#include "common/patch/pixel_rect.hpp"

namespace patchq::patch {

inline constexpr std::int64_t kDefaultMaxPixels = 400'000'000;
// 3 bytes a pixel at the pixel limit: every 8-bit colour photo the pixel limit lets through
// still passes; alpha, 16 bits or a rotation copy buy fewer pixels (docs/ENGINE.md, memory).
inline constexpr std::uint64_t kDefaultMaxDecodedBytes = 1'200'000'000;

struct DecodeOptions {
  std::int64_t max_pixels = kDefaultMaxPixels;
  std::uint64_t max_decoded_bytes = kDefaultMaxDecodedBytes;
  bool apply_exif_orientation = true;
  std::optional<ImageSize> slot_size;  // the payload's width/height, when it gave them
  int threads = 1;  // restart excerpts of a region decode decoded at once (jpeg_decode.hpp)
};

enum class DecodeError {
  none,
  unsupported_format,
  bad_header,
  too_many_pixels,
  too_many_bytes,
  decode_failed,
  unsupported_pixels
};

struct DecodedImage {
  cv::Mat pixels;  // CV_8U or CV_16U, 1/3/4 channels (BGR / BGRA order)
  ImageHeader header;
  int orientation_applied = 1;  // the EXIF orientation that was undone (1 = none)
};

struct DecodeResult {
  DecodeError error = DecodeError::none;
  std::string reason;
  DecodedImage image;
  bool ok() const { return error == DecodeError::none; }
};

// The header checks decode_image starts with, on their own, so that patches can be planned
// before any pixel is decoded: the header, whether the orientation will be applied, and the size
// of the decoded (upright) image.
struct CheckedImage {
  ImageHeader header;
  bool orient = false;
  ImageSize upright;
};
struct CheckResult {
  DecodeError error = DecodeError::none;
  std::string reason;
  CheckedImage image;
  bool ok() const { return error == DecodeError::none; }
};
CheckResult check_image(std::string_view bytes, const DecodeOptions& options);

// `rows_done` is passed to the JPEG decoder when the rows it reports are the final ones (a JPEG
// whose EXIF orientation is not applied); otherwise it is never called.
DecodeResult decode_image(std::string_view bytes, const DecodeOptions& options,
                          const JpegRowsDone& rows_done = {});

// Sparse patches: decodes only `regions` (jpeg_decode.hpp's preconditions) when the image
// allows it: a baseline JPEG whose orientation is not applied. `decoded` is false, with no
// error and nothing decoded, when it does not (other formats, an EXIF rotation, which needs the
// whole image, a progressive JPEG). The header checks are decode_image's: --max-decoded-bytes
// bounds the whole image, so which images are accepted does not depend on the patches.
struct RegionDecodeResult {
  DecodeError error = DecodeError::none;
  std::string reason;
  bool decoded = false;
  bool ok() const { return error == DecodeError::none; }
};
// `regions_done` as decode_jpeg_regions'.
RegionDecodeResult decode_image_regions(std::string_view bytes, const DecodeOptions& options,
                                        std::vector<JpegRegion>& regions,
                                        const JpegRegionsDone& regions_done = {});

// Rotates/flips `pixels` (stored grid) into the upright view that EXIF `orientation` describes.
cv::Mat apply_orientation(const cv::Mat& pixels, int orientation);

}  // namespace patchq::patch
