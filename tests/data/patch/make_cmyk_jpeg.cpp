// Generates cmyk_32x16.jpg, the CMYK JPEG fixture of the patch engine's tests (OpenCV cannot
// write CMYK JPEGs). Build and run from a configured build directory:
//   ninja -C <build> make_cmyk_jpeg && <build>/tests/unit/patch/make_cmyk_jpeg <out.jpg>
// (the target exists when CMake finds libjpeg). The image is 32x16: the left half is pure cyan
// ink, the right half pure magenta ink, written the way Adobe applications store CMYK (inverted:
// 255 = no ink, 0 = full ink; libjpeg adds the Adobe marker). Quality 100, no subsampling.
// jpeglib.h needs size_t and FILE declared before it, so the include order is fixed.
// clang-format off
#include <cstddef>
#include <cstdio>
#include <vector>

#include <jpeglib.h>
// clang-format on

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_cmyk_jpeg OUT.jpg\n");
    return 2;
  }
  constexpr int kWidth = 32;
  constexpr int kHeight = 16;
  std::FILE* out = std::fopen(argv[1], "wb");
  if (out == nullptr) return 1;
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, out);
  cinfo.image_width = kWidth;
  cinfo.image_height = kHeight;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  for (int c = 0; c < cinfo.num_components; ++c) {
    cinfo.comp_info[c].h_samp_factor = 1;
    cinfo.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<JSAMPLE> row(kWidth * 4);
  for (int x = 0; x < kWidth; ++x) {
    const bool cyan = x < kWidth / 2;
    JSAMPLE* px = &row[static_cast<std::size_t>(x) * 4];
    px[0] = cyan ? 0 : 255;  // C ink (inverted)
    px[1] = cyan ? 255 : 0;  // M ink (inverted)
    px[2] = 255;             // no Y ink
    px[3] = 255;             // no K ink
  }
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return std::fclose(out) == 0 ? 0 : 1;
}
