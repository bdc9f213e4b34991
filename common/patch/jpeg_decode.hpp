// JPEG decoding with libjpeg-turbo directly, refusing any file libjpeg has to repair.
// OpenCV's JPEG decoder prints libjpeg's warnings and returns an image anyway: half a file
// "decodes" with the missing rows invented. This decoder turns every warning about corrupt or
// missing data (premature end of file, bad Huffman code, extraneous bytes, a lost restart
// marker...) and every libjpeg error into a refusal with a readable reason.
// Invariants:
//   - pixels are identical to cv::imdecode(bytes, IMREAD_UNCHANGED) with OpenCV 4.6 on the same
//     libjpeg-turbo: same library defaults (JDCT_ISLOW, fancy upsampling, block smoothing), a
//     1-component file gives 1 channel (gray), a 3-component file 3 channels in BGR order, a
//     4-component (CMYK/YCCK) file 3 channels BGR through OpenCV's CMYK formula;
//   - EXIF orientation is not applied here (image_decode does it afterwards);
//   - no exception escapes and no libjpeg state leaks, whatever the input.
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::patch {

struct JpegError {
  bool over_memory_limit = false;  // the file is fine, it needs more working memory than allowed
  std::string reason;              // "JPEG: premature end of data after 64 of 480 rows"
};

// `working_memory_limit` caps what libjpeg allocates for itself (a progressive file keeps every
// DCT coefficient of the image, 2 bytes each); 0 means no cap. The decoded image is not counted.
Result<cv::Mat, JpegError> decode_jpeg(std::string_view bytes,
                                       std::uint64_t working_memory_limit = 0);

}  // namespace patchq::patch
