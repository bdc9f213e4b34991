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
//   - a region decode (decode_jpeg_regions) gives exactly the pixels a full decode has there;
//   - no exception escapes and no libjpeg state leaks, whatever the input.
#pragma once

#include <cstdint>
#include <functional>
#include <opencv2/core/mat.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/patch/pixel_rect.hpp"
#include "common/result/result.hpp"

namespace patchq::patch {

struct JpegError {
  bool over_memory_limit = false;  // the file is fine, it needs more working memory than allowed
  std::string reason;              // "JPEG: premature end of data after 64 of 480 rows"
};

// `working_memory_limit` caps what libjpeg allocates for itself (a progressive file keeps every
// DCT coefficient of the image, 2 bytes each); 0 means no cap. The decoded image is not counted.
// `rows_done`, when set, is called from the decoding thread after each batch of rows: rows
// [0, rows) of `image` (the Mat being returned, allocated before the first call) are final. It
// lets tiles be encoded while the rest decodes; it must not throw. A decode refused later (damage
// further down, a missing end marker) still returns the refusal.
using JpegRowsDone = std::function<void(const cv::Mat& image, int rows)>;
Result<cv::Mat, JpegError> decode_jpeg(std::string_view bytes,
                                       std::uint64_t working_memory_limit = 0,
                                       const JpegRowsDone& rows_done = {});

// Region decode: only the MCUs under the regions (and a margin) go through libjpeg's IDCT and
// colour conversion. Three ways, the first that applies:
//   - restart markers whose structure is intact (jpeg_restart.hpp): only the restart intervals
//     under the regions are read at all, each group of nearby regions from an excerpt of its
//     own (up to `threads` excerpts at once); damage inside the intervals left out goes
//     unnoticed (a truncated file, or a marker missing or out of order, is still refused);
//   - no restart markers, and the regions' MCUs at most a quarter of the image's
//     (jpeg_scan.hpp): one Huffman scan of the whole stream (on two threads when `threads` >= 2)
//     finds where each region's MCUs start, and each region is decoded from an excerpt of its
//     MCUs alone (up to `threads` at once); damage anywhere sends the decode to the next way,
//     which refuses the file as a full decode does;
//   - otherwise one libjpeg pass over the whole stream (jpeg_crop_scanline to the regions'
//     column hull, jpeg_skip_scanlines between them), which entropy-decodes every MCU, so damage
//     anywhere refuses the file as a full decode does.
// Each region's `pixels` gets rect.h x rect.w pixels of the same type a full decode gives.
// Preconditions: rects inside the image, sorted by y, their row ranges disjoint.
// Returns false, decoding nothing, for a progressive file (its coefficients are buffered
// whole anyway, and libjpeg smooths blocks across the rows a skip leaves out).
struct JpegRegion {
  PixelRect rect;
  cv::Mat pixels;
};
// Region decode, from a single pass over the whole stream: regions [0, count) are final. Not
// called for regions decoded from excerpts (an excerpt or scan that fails sends the decode back
// to the whole stream, which writes those pixels again).
using JpegRegionsDone = std::function<void(std::size_t count)>;
struct JpegRegionStats {
  int excerpts = 0;                // excerpts decoded (0: one libjpeg pass over the whole stream)
  bool scanned = false;            // the excerpts' MCUs were found by a Huffman scan
  std::int64_t rows_not_read = 0;  // image rows whose entropy-coded data was left unread
};
Result<bool, JpegError> decode_jpeg_regions(
    std::string_view bytes, std::uint64_t working_memory_limit, std::vector<JpegRegion>& regions,
    JpegRegionStats* stats = nullptr, const JpegRegionsDone& regions_done = {}, int threads = 1);

}  // namespace patchq::patch
