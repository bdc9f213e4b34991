// See image_decode.hpp.
#include "common/patch/image_decode.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <new>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "common/patch/jpeg_decode.hpp"
#include "common/patch/opencv_codecs.hpp"

namespace patchq::patch {
namespace {

DecodeResult failure(DecodeError error, std::string reason) {
  DecodeResult out;
  out.error = error;
  out.reason = std::move(reason);
  return out;
}

std::uint64_t saturating_double(std::uint64_t n) {
  return n > UINT64_MAX / 2 ? UINT64_MAX : n * 2;
}

// "PNG image 20000x20000 with 4 channels of 16 bits"
std::string describe_layout(const ImageHeader& h) {
  return std::string(format_name(h.format)) + " image " + std::to_string(h.width) + "x" +
         std::to_string(h.height) + " with " + std::to_string(h.channels) + " channel" +
         (h.channels == 1 ? "" : "s") + " of " + std::to_string(h.bytes_per_sample * 8) + " bits";
}

bool swaps_axes(int orientation) {
  return orientation >= 5 && orientation <= 8;
}

// Whether to undo the EXIF orientation, given what the payload says the size is.
bool should_orient(const ImageHeader& header, const DecodeOptions& options) {
  if (!options.apply_exif_orientation || header.orientation == 1) return false;
  if (!options.slot_size || !swaps_axes(header.orientation)) return true;
  const ImageSize stored{header.width, header.height};
  const ImageSize oriented{header.height, header.width};
  return !(*options.slot_size == stored && *options.slot_size != oriented);
}

}  // namespace

cv::Mat apply_orientation(const cv::Mat& pixels, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(pixels, out, 1);
      return out;
    case 3:
      cv::rotate(pixels, out, cv::ROTATE_180);
      return out;
    case 4:
      cv::flip(pixels, out, 0);
      return out;
    case 5:
      cv::transpose(pixels, out);
      return out;
    case 6:
      cv::rotate(pixels, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:
      cv::transpose(pixels, out);
      cv::flip(out, out, -1);
      return out;
    case 8:
      cv::rotate(pixels, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return pixels;
  }
}

CheckResult check_image(std::string_view bytes, const DecodeOptions& options) {
  CheckResult out;
  const auto refuse = [&out](DecodeError error, std::string reason) {
    out.error = error;
    out.reason = std::move(reason);
    return out;
  };
  const HeaderResult header = read_image_header(bytes);
  if (!header.header) {
    return refuse(
        header.unsupported_format ? DecodeError::unsupported_format : DecodeError::bad_header,
        header.error);
  }
  const ImageHeader& h = *header.header;
  const std::int64_t pixels = h.width * h.height;  // each side < 2^32, so no overflow
  if (pixels > options.max_pixels) {
    return refuse(DecodeError::too_many_pixels,
                  std::string(format_name(h.format)) + " image is " + std::to_string(h.width) +
                      "x" + std::to_string(h.height) + " = " + std::to_string(pixels) +
                      " pixels, over the limit of " + std::to_string(options.max_pixels));
  }

  const bool orient = should_orient(h, options);
  const std::uint64_t decoded = decoded_bytes(h);
  const std::uint64_t peak = orient ? saturating_double(decoded) : decoded;
  if (peak > options.max_decoded_bytes) {
    std::string reason = describe_layout(h) + " decodes to " + std::to_string(decoded) + " bytes";
    if (orient) reason += ", " + std::to_string(peak) + " with the copy its EXIF rotation needs";
    reason += ", over the limit of " + std::to_string(options.max_decoded_bytes) +
              " (--max-decoded-bytes)";
    return refuse(DecodeError::too_many_bytes, std::move(reason));
  }

  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return refuse(DecodeError::too_many_pixels, "image file is larger than 2 GiB");
  }
  out.image.header = h;
  out.image.orient = orient;
  out.image.upright = orient && swaps_axes(h.orientation) ? ImageSize{h.height, h.width}
                                                          : ImageSize{h.width, h.height};
  return out;
}

RegionDecodeResult decode_image_regions(std::string_view bytes, const DecodeOptions& options,
                                        std::vector<JpegRegion>& regions,
                                        const JpegRegionsDone& regions_done) {
  RegionDecodeResult out;
  const CheckResult checked = check_image(bytes, options);
  if (!checked.ok()) {
    out.error = checked.error;
    out.reason = checked.reason;
    return out;
  }
  const ImageHeader& h = checked.image.header;
  if (h.format != ImageFormat::jpeg || checked.image.orient) return out;
  const std::uint64_t working_memory =
      std::max<std::uint64_t>(options.max_decoded_bytes - decoded_bytes(h), 1);
  Result<bool, JpegError> jpeg =
      decode_jpeg_regions(bytes, working_memory, regions, nullptr, regions_done, options.threads);
  if (!jpeg) {
    out.error =
        jpeg.error().over_memory_limit ? DecodeError::too_many_bytes : DecodeError::decode_failed;
    out.reason = jpeg.error().reason;
    return out;
  }
  out.decoded = *jpeg;
  return out;
}

DecodeResult decode_image(std::string_view bytes, const DecodeOptions& options,
                          const JpegRowsDone& rows_done) {
  const CheckResult checked = check_image(bytes, options);
  if (!checked.ok()) return failure(checked.error, checked.reason);
  const ImageHeader& h = checked.image.header;
  const bool orient = checked.image.orient;
  const std::uint64_t decoded = decoded_bytes(h);
  DecodeResult out;
  out.image.header = h;
  if (h.format == ImageFormat::jpeg) {
    // Not OpenCV: its JPEG decoder accepts truncated and corrupt files (see jpeg_decode.hpp).
    const std::uint64_t working_memory =
        std::max<std::uint64_t>(options.max_decoded_bytes - decoded, 1);
    // Rows are reported only when they are final: an EXIF rotation moves them all afterwards.
    static const JpegRowsDone none;
    Result<cv::Mat, JpegError> jpeg = decode_jpeg(bytes, working_memory, orient ? none : rows_done);
    if (!jpeg && jpeg.error().over_memory_limit) {
      return failure(DecodeError::too_many_bytes,
                     jpeg.error().reason + " (what --max-decoded-bytes " +
                         std::to_string(options.max_decoded_bytes) + " leaves after the " +
                         std::to_string(decoded) + "-byte image)");
    }
    if (!jpeg) return failure(DecodeError::decode_failed, jpeg.error().reason);
    out.image.pixels = std::move(jpeg).value();
  } else {
    try {
      // imdecode only reads the buffer; the Mat header just lends it the bytes without copying.
      const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                           const_cast<char*>(bytes.data()));
      out.image.pixels = opencv_imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
      return failure(DecodeError::decode_failed, std::string("could not decode the ") +
                                                     format_name(h.format) + " data: " + e.err);
    } catch (const std::bad_alloc&) {
      return failure(DecodeError::decode_failed, "out of memory decoding the image");
    } catch (const std::exception& e) {
      return failure(DecodeError::decode_failed,
                     std::string("could not decode the image: ") + e.what());
    }
  }
  cv::Mat& m = out.image.pixels;
  if (m.empty()) {
    return failure(DecodeError::decode_failed, std::string("could not decode the ") +
                                                   format_name(h.format) +
                                                   " data (corrupt or truncated)");
  }
  if ((m.depth() != CV_8U && m.depth() != CV_16U) ||
      (m.channels() != 1 && m.channels() != 3 && m.channels() != 4)) {
    return failure(DecodeError::unsupported_pixels,
                   std::string(format_name(h.format)) + " decodes to " +
                       std::to_string(m.channels()) + " channel(s) of " +
                       (m.depth() == CV_8U || m.depth() == CV_16U ? "" : "non-") +
                       "8/16-bit samples; patchq needs 8 or 16-bit with 1, 3 or 4 channels");
  }
  if (std::int64_t{m.cols} * m.rows > options.max_pixels ||
      m.total() * m.elemSize() > options.max_decoded_bytes) {  // header and data disagreed
    return failure(DecodeError::too_many_pixels, "decoded image is larger than its header said");
  }
  if (orient) {
    try {
      m = apply_orientation(m, h.orientation);
    } catch (const std::exception& e) {
      return failure(DecodeError::decode_failed,
                     std::string("could not orient the image: ") + e.what());
    }
    out.image.orientation_applied = h.orientation;
  }
  return out;
}

}  // namespace patchq::patch
