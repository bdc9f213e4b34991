// Test-only JPEG writer on libjpeg-turbo, for the layouts OpenCV 4.6's imencode cannot make:
// chroma subsampling other than 4:2:0 (4:4:4, 4:2:2, 4:4:0), and files without Huffman tables.
// Invariant: writes a complete, valid JPEG of `image` (8-bit BGR or gray); libjpeg's default error
// handler exits the test on misuse, which is fine for fixed inputs.
#pragma once

#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

// clang-format off
#include <jpeglib.h>
// clang-format on

namespace patchq::patch::test_images {

struct JpegLayout {
  int luma_h = 2;  // luma sampling factors: 2x2 = 4:2:0, 1x1 = 4:4:4, 2x1 = 4:2:2, 1x2 = 4:4:0
  int luma_v = 2;
  bool progressive = false;
  int restart_rows = 0;  // restart marker every N MCU rows (0 = none)
  int quality = 90;
};

inline std::string write_jpeg(const cv::Mat& image, const JpegLayout& layout) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = static_cast<JDIMENSION>(image.cols);
  cinfo.image_height = static_cast<JDIMENSION>(image.rows);
  cinfo.input_components = image.channels();
  cinfo.in_color_space = image.channels() == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, layout.quality, TRUE);
  if (image.channels() == 3) {
    cinfo.comp_info[0].h_samp_factor = layout.luma_h;
    cinfo.comp_info[0].v_samp_factor = layout.luma_v;
  }
  if (layout.progressive) jpeg_simple_progression(&cinfo);
  cinfo.restart_in_rows = layout.restart_rows;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(
        image.ptr<unsigned char>(static_cast<int>(cinfo.next_scanline)));  // libjpeg only reads it
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string bytes(reinterpret_cast<const char*>(out), out_size);
  std::free(out);
  return bytes;
}

// Removes every DHT segment (marker FF C4) before the first scan, as Motion-JPEG frames do;
// decoders then use the standard tables of the JPEG specification (Annex K.3).
inline std::string without_huffman_tables(const std::string& jpeg) {
  std::string out = jpeg.substr(0, 2);
  std::size_t pos = 2;
  while (pos + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[pos]) == 0xFF) {
    const unsigned marker = static_cast<unsigned char>(jpeg[pos + 1]);
    const std::size_t length =
        static_cast<unsigned char>(jpeg[pos + 2]) << 8 | static_cast<unsigned char>(jpeg[pos + 3]);
    if (marker == 0xDA) break;  // the scan: keep it and everything after
    if (marker != 0xC4) out += jpeg.substr(pos, length + 2);
    pos += length + 2;
  }
  return out + jpeg.substr(pos);
}

}  // namespace patchq::patch::test_images
