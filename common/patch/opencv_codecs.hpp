// OpenCV's image codecs (libopencv_imgcodecs), loaded on first use instead of at process start.
// Debian's build of that library pulls in GDAL, GDCM, libde265 and ~120 more shared libraries,
// which take a process ~0.1 s of CPU to load and relocate before main; the common job (a JPEG
// decoded by libjpeg-turbo into PNG tiles written with libdeflate) needs none of them. Only
// other formats (PNG, TIFF, WebP, BMP images; JPEG and WebP tiles) load it, once per process.
// Same calls and behaviour as cv::imdecode / cv::imencode. When the library cannot be loaded
// they throw std::runtime_error naming it and why (the callers turn exceptions into a reason).
#pragma once

#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace patchq::patch {

cv::Mat opencv_imdecode(cv::InputArray buffer, int flags);
bool opencv_imencode(const std::string& extension, cv::InputArray image,
                     std::vector<unsigned char>& out, const std::vector<int>& params);
// Loads the library now (once per process) so that its first use does not wait for it, e.g. on
// a thread that is idle while an image decodes. A failure is left for that first use to report.
void preload_opencv_codecs() noexcept;

}  // namespace patchq::patch
