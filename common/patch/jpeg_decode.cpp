// See jpeg_decode.hpp. libjpeg reports errors by calling error_exit, which must not return; the
// usual C answer is longjmp. It is contained here: run_guarded() is the only setjmp, and the
// steps it runs (and libjpeg below them) keep no object with a destructor alive, so a longjmp
// skips nothing that needed cleaning up. The libjpeg state lives in JpegSession, whose
// destructor releases it however the steps ended. Warnings (emit_message level -1) jump out the
// same way: decoding stops at the first sign of damage.
#include "common/patch/jpeg_decode.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <csetjmp>
#include <cstddef>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/patch/jpeg_restart.hpp"
#include "common/patch/jpeg_scan.hpp"

// clang-format off
#include <jpeglib.h>
#include <jerror.h>  // after jpeglib.h: its macros use jpeglib's types
// clang-format on

namespace patchq::patch {
namespace {

// Rows handed to one jpeg_read_scanlines call; only changes call overhead, never pixels.
constexpr int kRowsPerRead = 16;
// A region decode starts this many rows above and columns left and right of what it needs (then
// libjpeg widens columns to whole iMCUs): fancy upsampling reads one chroma sample beyond each
// side, and at the edge of a crop it would replicate instead.
constexpr std::int64_t kRegionMargin = 16;

struct RefusingErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg only knows this part and hands it back to the callbacks
  std::jmp_buf jump;
  bool warning = false;  // decoding stopped on a warning (data libjpeg would have repaired)
  int code = 0;
  JDIMENSION rows_done = 0;  // output_scanline when it stopped
  char message[JMSG_LENGTH_MAX] = {};
};

struct JpegSession {
  jpeg_decompress_struct cinfo{};  // zeroed: jpeg_destroy is a no-op until create succeeds
  RefusingErrorManager err;
  const unsigned char* input = nullptr;
  unsigned long input_size = 0;
  std::uint64_t working_memory_limit = 0;
  // Decode target: the output cv::Mat's rows, and for CMYK files a buffer of kRowsPerRead rows.
  unsigned char* out = nullptr;
  std::size_t out_step = 0;
  unsigned char* cmyk_rows = nullptr;
  const JpegRowsDone* rows_done = nullptr;
  const cv::Mat* image = nullptr;  // handed to rows_done
  // Region decode: the regions, a scratch of kRowsPerRead full-width rows, the crop hull.
  std::vector<JpegRegion>* regions = nullptr;
  const JpegRegionsDone* regions_done = nullptr;
  unsigned char* scratch = nullptr;
  JDIMENSION crop_x = 0;
  JDIMENSION crop_w = 0;
  bool stop_if_progressive = false;
  bool progressive = false;  // set instead of starting when stop_if_progressive

  JpegSession() = default;
  JpegSession(const JpegSession&) = delete;
  JpegSession& operator=(const JpegSession&) = delete;
  ~JpegSession() { jpeg_destroy_decompress(&cinfo); }
};

void stop(j_common_ptr cinfo, bool warning) {
  auto* err = reinterpret_cast<RefusingErrorManager*>(cinfo->err);
  err->warning = warning;
  err->code = err->pub.msg_code;
  err->rows_done =
      cinfo->is_decompressor ? reinterpret_cast<j_decompress_ptr>(cinfo)->output_scanline : 0;
  (*err->pub.format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_error_exit(j_common_ptr cinfo) {
  stop(cinfo, false);
}

// Level -1 is a warning: libjpeg found damage and would carry on with invented data.
// Levels >= 0 are trace messages, ignored.
void on_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  // Not about the pixels: a JFIF version newer than libjpeg knows; the data decodes fully.
  if (cinfo->err->msg_code == JWRN_JFIF_MAJOR) return;
  stop(cinfo, true);
}

void on_output_message(j_common_ptr) {}  // never print: the reason travels as a value

// The only setjmp. `step` must not keep an object with a destructor alive across libjpeg calls.
bool run_guarded(JpegSession& s, void (*step)(JpegSession&)) {
  if (setjmp(s.err.jump) != 0) return false;
  step(s);
  return true;
}

// Header and colour setup, as OpenCV 4.6 does for IMREAD_UNCHANGED, then start_decompress
// (which, for a progressive file, reads every scan into the coefficient buffer).
void start_step(JpegSession& s) {
  s.cinfo.err = jpeg_std_error(&s.err.pub);
  s.err.pub.error_exit = on_error_exit;
  s.err.pub.emit_message = on_emit_message;
  s.err.pub.output_message = on_output_message;
  jpeg_create_decompress(&s.cinfo);
  if (s.working_memory_limit > 0) {
    s.cinfo.mem->max_memory_to_use = static_cast<long>(
        std::min<std::uint64_t>(s.working_memory_limit, static_cast<std::uint64_t>(LONG_MAX)));
  }
  jpeg_mem_src(&s.cinfo, s.input, s.input_size);
  jpeg_read_header(&s.cinfo, TRUE);
  if (s.stop_if_progressive && jpeg_has_multiple_scans(&s.cinfo)) {
    s.progressive = true;
    return;
  }
  if (s.cinfo.num_components == 1) {
    s.cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (s.cinfo.num_components == 4) {
    s.cinfo.out_color_space = JCS_CMYK;  // converted to BGR below, with OpenCV's formula
  } else {
    s.cinfo.out_color_space = JCS_EXT_BGR;
  }
  jpeg_start_decompress(&s.cinfo);
}

// OpenCV's CMYK -> BGR (icvCvt_CMYK2BGR_8u_C4C3R): each of C, M, Y scaled by K, in integers.
void cmyk_row_to_bgr(const unsigned char* cmyk, unsigned char* bgr, JDIMENSION width) {
  for (JDIMENSION x = 0; x < width; ++x, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    bgr[2] = static_cast<unsigned char>(k - ((255 - cmyk[0]) * k >> 8));
    bgr[1] = static_cast<unsigned char>(k - ((255 - cmyk[1]) * k >> 8));
    bgr[0] = static_cast<unsigned char>(k - ((255 - cmyk[2]) * k >> 8));
  }
}

void read_rows_step(JpegSession& s) {
  jpeg_decompress_struct& c = s.cinfo;
  const std::size_t cmyk_step = std::size_t{c.output_width} * 4;
  while (c.output_scanline < c.output_height) {
    const JDIMENSION first = c.output_scanline;
    const int wanted =
        static_cast<int>(std::min<JDIMENSION>(kRowsPerRead, c.output_height - c.output_scanline));
    JSAMPROW rows[kRowsPerRead];
    for (int i = 0; i < wanted; ++i) {
      rows[i] = s.cmyk_rows != nullptr ? s.cmyk_rows + i * cmyk_step
                                       : s.out + (first + static_cast<JDIMENSION>(i)) * s.out_step;
    }
    const JDIMENSION got = jpeg_read_scanlines(&c, rows, static_cast<JDIMENSION>(wanted));
    if (got == 0) ERREXIT(&c, JERR_INPUT_EOF);  // cannot happen with a memory source
    if (s.cmyk_rows != nullptr) {
      for (JDIMENSION i = 0; i < got; ++i) {
        cmyk_row_to_bgr(rows[i], s.out + (first + i) * s.out_step, c.output_width);
      }
    }
    if (s.rows_done != nullptr && *s.rows_done) {
      (*s.rows_done)(*s.image, static_cast<int>(c.output_scanline));
    }
  }
  // Reads to the end-of-image marker: damage after the last row (extraneous bytes, a missing
  // EOI) is reported here.
  jpeg_finish_decompress(&c);
}

int output_components(const jpeg_decompress_struct& c) {
  return c.out_color_space == JCS_CMYK ? 4 : c.out_color_space == JCS_GRAYSCALE ? 1 : 3;
}

// Copies the region's columns of one decoded scratch row (crop coordinates) into its pixels.
void copy_region_row(const JpegSession& s, const JpegRegion& r, const unsigned char* row,
                     JDIMENSION y) {
  const jpeg_decompress_struct& c = s.cinfo;
  const std::size_t in_px = static_cast<std::size_t>(output_components(c));
  const unsigned char* from =
      row + (static_cast<std::size_t>(r.rect.x) - s.crop_x) * in_px;  // x >= crop_x
  unsigned char* to = const_cast<unsigned char*>(
      r.pixels.ptr<unsigned char>(static_cast<int>(static_cast<std::int64_t>(y) - r.rect.y)));
  if (c.out_color_space == JCS_CMYK) {
    cmyk_row_to_bgr(from, to, static_cast<JDIMENSION>(r.rect.w));
  } else {
    std::memcpy(to, from, static_cast<std::size_t>(r.rect.w) * in_px);
  }
}

// Reads rows up to `end` (exclusive) into the scratch, handing each to the regions it belongs to.
void read_until(JpegSession& s, JDIMENSION end, std::size_t* next_region) {
  jpeg_decompress_struct& c = s.cinfo;
  const std::size_t step =
      std::size_t{c.output_width} * static_cast<std::size_t>(output_components(c));
  std::vector<JpegRegion>& regions = *s.regions;
  while (c.output_scanline < end) {
    const JDIMENSION first = c.output_scanline;
    const int wanted = static_cast<int>(std::min<JDIMENSION>(kRowsPerRead, end - first));
    JSAMPROW rows[kRowsPerRead];
    for (int i = 0; i < wanted; ++i) rows[i] = s.scratch + static_cast<std::size_t>(i) * step;
    const JDIMENSION got = jpeg_read_scanlines(&c, rows, static_cast<JDIMENSION>(wanted));
    if (got == 0) ERREXIT(&c, JERR_INPUT_EOF);  // cannot happen with a memory source
    for (JDIMENSION i = 0; i < got; ++i) {
      const JDIMENSION y = first + i;
      while (*next_region < regions.size() && regions[*next_region].rect.bottom() <= y) {
        ++*next_region;
      }
      // Row ranges are disjoint and sorted: only the current region can hold row y.
      if (*next_region < regions.size() && regions[*next_region].rect.y <= y) {
        copy_region_row(s, regions[*next_region], rows[i], y);
      }
    }
  }
}

void read_regions_step(JpegSession& s) {
  jpeg_decompress_struct& c = s.cinfo;
  JDIMENSION crop_x = s.crop_x;
  JDIMENSION crop_w = s.crop_w;
  if (crop_w < c.output_width) jpeg_crop_scanline(&c, &crop_x, &crop_w);  // widens to iMCUs
  s.crop_x = crop_x;
  std::size_t next = 0;
  for (std::size_t i = 0; i < s.regions->size(); ++i) {
    const JpegRegion& r = (*s.regions)[i];
    const auto start = static_cast<JDIMENSION>(std::max<std::int64_t>(r.rect.y - kRegionMargin, 0));
    if (start > c.output_scanline) jpeg_skip_scanlines(&c, start - c.output_scanline);
    read_until(s, static_cast<JDIMENSION>(r.rect.bottom()), &next);
    if (s.regions_done != nullptr && *s.regions_done) (*s.regions_done)(i + 1);
  }
  // The rest of the entropy-coded data is still read (skipping to the very end would not), so
  // damage below the last region refuses the file too; then the end-of-image marker.
  if (c.output_scanline + 1 < c.output_height) {
    jpeg_skip_scanlines(&c, c.output_height - 1 - c.output_scanline);
  }
  read_until(s, c.output_height, &next);
  jpeg_finish_decompress(&c);
}

std::string where(const RefusingErrorManager& err, const jpeg_decompress_struct& c) {
  const std::string total = std::to_string(c.image_height);
  if (c.image_height == 0) return " in the header";
  if (err.rows_done == 0) return " before the first of " + total + " rows";
  if (err.rows_done >= c.image_height) return " after all " + total + " rows";
  return " after " + std::to_string(err.rows_done) + " of " + total + " rows";
}

// What went wrong with the data, for a reader: where it stopped and libjpeg's own words.
std::string bad_data_reason(const JpegSession& s) {
  const RefusingErrorManager& err = s.err;
  const jpeg_decompress_struct& c = s.cinfo;
  if (err.code == JWRN_JPEG_EOF) {
    std::string reason = "JPEG: premature end of data" + where(err, c);
    if (err.rows_done >= c.image_height && c.image_height > 0) {
      reason += " (no end-of-image marker)";
    }
    return reason;
  }
  if (err.warning) return "JPEG: corrupt data" + where(err, c) + " (" + err.message + ")";
  return std::string("JPEG: ") + err.message + where(err, c);
}

JpegError refusal(const JpegSession& s) {
  const RefusingErrorManager& err = s.err;
  const jpeg_decompress_struct& c = s.cinfo;
  if (err.code == JERR_NO_BACKING_STORE) {  // libjpeg wanted more than max_memory_to_use
    return JpegError{
        true, "JPEG: a progressive (multi-scan) file of " + std::to_string(c.image_width) + "x" +
                  std::to_string(c.image_height) + " needs more working memory than the " +
                  std::to_string(s.working_memory_limit) + " bytes allowed"};
  }
  return JpegError{false, bad_data_reason(s)};
}

}  // namespace

Result<cv::Mat, JpegError> decode_jpeg(std::string_view bytes, std::uint64_t working_memory_limit,
                                       const JpegRowsDone& rows_done) {
  if (bytes.empty()) return JpegError{false, "JPEG: empty file"};
  try {
    JpegSession s;
    s.input = reinterpret_cast<const unsigned char*>(bytes.data());
    s.input_size = static_cast<unsigned long>(bytes.size());
    s.working_memory_limit = working_memory_limit;
    if (!run_guarded(s, start_step)) return refusal(s);

    const int channels = s.cinfo.num_components == 1 ? 1 : 3;
    cv::Mat image(static_cast<int>(s.cinfo.output_height), static_cast<int>(s.cinfo.output_width),
                  CV_MAKETYPE(CV_8U, channels));
    std::vector<unsigned char> cmyk_rows;
    if (s.cinfo.out_color_space == JCS_CMYK) {
      cmyk_rows.resize(std::size_t{s.cinfo.output_width} * 4 * kRowsPerRead);
      s.cmyk_rows = cmyk_rows.data();
    }
    s.out = image.data;
    s.out_step = image.step[0];
    s.rows_done = &rows_done;
    s.image = &image;
    if (!run_guarded(s, read_rows_step)) return refusal(s);
    return image;
  } catch (const std::bad_alloc&) {
    return JpegError{false, "JPEG: out of memory for the decoded image"};
  } catch (const std::exception& e) {
    return JpegError{false, std::string("JPEG: ") + e.what()};
  }
}

}  // namespace patchq::patch

namespace patchq::patch {
namespace {

bool regions_fit(const std::vector<JpegRegion>& regions, std::int64_t width, std::int64_t height) {
  std::int64_t previous_bottom = 0;
  for (const JpegRegion& r : regions) {
    if (r.rect.x < 0 || r.rect.w <= 0 || r.rect.right() > width || r.rect.y < 0 || r.rect.h <= 0 ||
        r.rect.bottom() > height || r.rect.y < previous_bottom) {
      return false;
    }
    previous_bottom = r.rect.bottom();
  }
  return true;
}

// One libjpeg pass over `bytes` (a whole file or a restart excerpt) for `regions`.
Result<bool, JpegError> decode_regions_in(std::string_view bytes,
                                          std::uint64_t working_memory_limit,
                                          std::vector<JpegRegion>& regions,
                                          const JpegRegionsDone* regions_done) {
  JpegSession s;
  s.input = reinterpret_cast<const unsigned char*>(bytes.data());
  s.input_size = static_cast<unsigned long>(bytes.size());
  s.working_memory_limit = working_memory_limit;
  s.stop_if_progressive = true;
  if (!run_guarded(s, start_step)) return refusal(s);
  if (s.progressive) return false;

  const jpeg_decompress_struct& c = s.cinfo;
  if (!regions_fit(regions, c.output_width, c.output_height)) {
    return JpegError{false, "JPEG: regions must lie inside the " + std::to_string(c.output_width) +
                                "x" + std::to_string(c.output_height) +
                                " image, sorted by row, their rows disjoint"};
  }
  const int channels = c.num_components == 1 ? 1 : 3;
  std::int64_t left = c.output_width;
  std::int64_t right = 0;
  for (JpegRegion& r : regions) {
    r.pixels.create(static_cast<int>(r.rect.h), static_cast<int>(r.rect.w),
                    CV_MAKETYPE(CV_8U, channels));
    left = std::min(left, r.rect.x);
    right = std::max(right, r.rect.right());
  }
  left = std::max<std::int64_t>(left - kRegionMargin, 0);
  right = std::min<std::int64_t>(right + kRegionMargin, c.output_width);
  if (right <= left) right = std::min<std::int64_t>(left + 1, c.output_width);
  s.crop_x = static_cast<JDIMENSION>(left);
  s.crop_w = static_cast<JDIMENSION>(right - left);
  // Full width: the crop can only narrow it, and the scratch is allocated before it is known.
  std::vector<unsigned char> scratch(std::size_t{c.output_width} *
                                     static_cast<std::size_t>(output_components(c)) * kRowsPerRead);
  s.scratch = scratch.data();
  s.regions = &regions;
  s.regions_done = regions_done;
  if (!run_guarded(s, read_regions_step)) return refusal(s);
  return true;
}

// Each region's pixels, of the type a full decode of a `components`-component file gives,
// before excerpts decode into them (or views of them) from several threads.
void allocate_pixels(std::vector<JpegRegion>& regions, std::int64_t components) {
  const int type = CV_MAKETYPE(CV_8U, components == 1 ? 1 : 3);
  for (JpegRegion& r : regions) {
    r.pixels.create(static_cast<int>(r.rect.h), static_cast<int>(r.rect.w), type);
  }
}

struct Excerpt {
  McuRowSpan span;
  std::size_t first_region = 0;  // the regions [first_region, end_region) it holds
  std::size_t end_region = 0;
};

// One excerpt's regions, from a JPEG of their restart intervals alone.
bool decode_excerpt(std::string_view bytes, const JpegRestartIndex& index,
                    std::uint64_t working_memory_limit, const std::vector<JpegRegion>& regions,
                    const Excerpt& e) {
  const std::string excerpt = restart_excerpt(bytes, index, e.span);
  const std::int64_t top = e.span.first * index.mcu_height;
  std::vector<JpegRegion> shifted;  // the same pixels, in the excerpt's rows
  for (std::size_t i = e.first_region; i < e.end_region; ++i) {
    const JpegRegion& r = regions[i];
    shifted.push_back(
        JpegRegion{PixelRect{r.rect.x, r.rect.y - top, r.rect.w, r.rect.h}, r.pixels});
  }
  const Result<bool, JpegError> done =
      decode_regions_in(excerpt, working_memory_limit, shifted, nullptr);
  return done.ok() && *done;
}

// task(k) for every k < count, up to `threads` at once, in order. False when any task fails
// (or throws, or a thread runs out of memory): the caller then decodes the whole stream.
bool run_on_threads(std::size_t count, int threads, const std::function<bool(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto work = [&]() noexcept {
    for (std::size_t k = next++; k < count && !failed.load(); k = next++) {
      try {
        if (!task(k)) failed = true;
      } catch (...) {
        failed = true;
      }
    }
  };
  const std::size_t wanted =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), count);
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < wanted; ++i) {
    try {
      others.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads: the same tasks, one after another
    }
  }
  work();
  for (std::thread& t : others) t.join();
  return !failed.load();
}

// On several threads, excerpts longer than an even share are cut into pieces of their regions'
// rows, each piece decoded from an excerpt of its own with its own margin, so that one long band
// does not leave the other threads idle; longest first. `pieces` are views into the regions'
// (allocated) pixels, `cut` the excerpts over them.
void cut_for_threads(const JpegRestartIndex& index, const std::vector<JpegRegion>& regions,
                     const std::vector<Excerpt>& excerpts, std::int64_t rows_read, int threads,
                     std::vector<JpegRegion>& pieces, std::vector<Excerpt>& cut) {
  // At least 32 MCU rows a piece: its two margins then cost at most an eighth more decoding.
  constexpr std::int64_t kMinPieceMcuRows = 32;
  const std::int64_t share =
      threads > 1 ? std::max<std::int64_t>(kMinPieceMcuRows, rows_read / (2 * threads) + 1)
                  : index.mcu_rows;
  for (const Excerpt& e : excerpts) {
    if (e.span.last - e.span.first <= share) {
      const std::size_t first = pieces.size();
      pieces.insert(pieces.end(), regions.begin() + static_cast<std::ptrdiff_t>(e.first_region),
                    regions.begin() + static_cast<std::ptrdiff_t>(e.end_region));
      cut.push_back(Excerpt{e.span, first, pieces.size()});
      continue;
    }
    const std::int64_t top = regions[e.first_region].rect.y;
    const std::int64_t bottom = regions[e.end_region - 1].rect.bottom();
    const std::int64_t step = share * index.mcu_height;
    for (std::int64_t y0 = top; y0 < bottom; y0 += step) {
      const std::int64_t y1 = std::min(bottom, y0 + step);
      const std::size_t first = pieces.size();
      for (std::size_t i = e.first_region; i < e.end_region; ++i) {
        const JpegRegion& r = regions[i];
        const std::int64_t from = std::max(y0, r.rect.y);
        const std::int64_t to = std::min(y1, r.rect.bottom());
        if (from >= to) continue;
        pieces.push_back(JpegRegion{
            PixelRect{r.rect.x, from, r.rect.w, to - from},
            r.pixels.rowRange(static_cast<int>(from - r.rect.y), static_cast<int>(to - r.rect.y))});
      }
      if (pieces.size() == first) continue;  // between two regions
      const McuRowSpan span = aligned_mcu_rows(index, pieces[first].rect.y - kRegionMargin,
                                               pieces.back().rect.bottom() + kRegionMargin);
      cut.push_back(Excerpt{span, first, pieces.size()});
    }
  }
  std::stable_sort(cut.begin(), cut.end(), [](const Excerpt& a, const Excerpt& b) {
    return a.span.last - a.span.first > b.span.last - b.span.first;
  });
}

// Regions decoded from restart excerpts: consecutive regions whose excerpts (their rows with
// kRegionMargin around, widened to whole intervals) overlap or touch share one. False when this
// saves nothing or any excerpt fails; the caller then decodes the whole stream, which gives a
// damaged file its usual refusal.
bool decode_regions_by_restart(std::string_view bytes, const JpegRestartIndex& index,
                               std::uint64_t working_memory_limit, std::vector<JpegRegion>& regions,
                               JpegRegionStats* stats, int threads) {
  if (!regions_fit(regions, index.width, index.height)) return false;
  std::vector<Excerpt> excerpts;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const PixelRect& r = regions[i].rect;
    const McuRowSpan span =
        aligned_mcu_rows(index, r.y - kRegionMargin, r.bottom() + kRegionMargin);
    if (!excerpts.empty() && span.first <= excerpts.back().span.last) {
      excerpts.back().span.last = std::max(excerpts.back().span.last, span.last);
      excerpts.back().end_region = i + 1;
    } else {
      excerpts.push_back(Excerpt{span, i, i + 1});
    }
  }
  std::int64_t rows_read = 0;
  for (const Excerpt& e : excerpts) rows_read += e.span.last - e.span.first;
  if (rows_read >= index.mcu_rows) return false;
  allocate_pixels(regions, index.components);
  std::vector<JpegRegion> pieces;
  std::vector<Excerpt> cut;
  cut_for_threads(index, regions, excerpts, rows_read, threads, pieces, cut);
  const bool decoded = run_on_threads(cut.size(), threads, [&](std::size_t k) {
    return decode_excerpt(bytes, index, working_memory_limit, pieces, cut[k]);
  });
  if (!decoded) return false;
  if (stats != nullptr) {
    stats->excerpts = static_cast<int>(cut.size());
    stats->rows_not_read = std::min(index.height, (index.mcu_rows - rows_read) * index.mcu_height);
  }
  return true;
}

// Regions of a file without restart markers, each from an excerpt of its MCUs (and a margin)
// found by one Huffman scan of the whole stream (jpeg_scan.hpp). False when the excerpts would
// hold more than a quarter of the image's MCUs (libjpeg decodes their codes again: measured on
// a 24 Mpx photo, bands of 40 % then took 1.06x the whole-stream pass, of 22 % 0.98x), or the
// scan or an excerpt fails; the caller then decodes the whole stream, which gives a damaged
// file its usual refusal.
bool decode_regions_by_scan(std::string_view bytes, const JpegFrame& frame,
                            std::uint64_t working_memory_limit, std::vector<JpegRegion>& regions,
                            JpegRegionStats* stats, int threads) {
  if (regions.empty()) return false;
  std::optional<JpegScan> scan = JpegScan::read(bytes, frame);
  if (!scan || !regions_fit(regions, scan->width(), scan->height())) return false;
  std::vector<McuRect> rects;
  std::int64_t mcus = 0;
  for (const JpegRegion& region : regions) {
    const PixelRect& r = region.rect;
    rects.push_back(scan->mcus_over(r.x - kRegionMargin, r.y - kRegionMargin,
                                    r.right() + kRegionMargin, r.bottom() + kRegionMargin));
    mcus += (rects.back().last_row - rects.back().first_row) *
            (rects.back().last_column - rects.back().first_column);
  }
  if (4 * mcus > scan->mcu_rows() * scan->mcus_per_row() || !scan->run(rects, threads)) {
    return false;
  }
  allocate_pixels(regions, scan->components());
  const bool decoded = run_on_threads(regions.size(), threads, [&](std::size_t k) {
    const std::optional<std::string> excerpt = scan->excerpt(k);
    if (!excerpt) return false;
    const PixelRect& r = regions[k].rect;
    std::vector<JpegRegion> shifted{
        JpegRegion{PixelRect{r.x - rects[k].first_column * scan->mcu_width(),
                             r.y - rects[k].first_row * scan->mcu_height(), r.w, r.h},
                   regions[k].pixels}};
    const Result<bool, JpegError> done =
        decode_regions_in(*excerpt, working_memory_limit, shifted, nullptr);
    return done.ok() && *done;
  });
  if (!decoded) return false;
  if (stats != nullptr) {
    stats->excerpts = static_cast<int>(regions.size());
    stats->scanned = true;
  }
  return true;
}

}  // namespace

Result<bool, JpegError> decode_jpeg_regions(std::string_view bytes,
                                            std::uint64_t working_memory_limit,
                                            std::vector<JpegRegion>& regions,
                                            JpegRegionStats* stats,
                                            const JpegRegionsDone& regions_done, int threads) {
  if (bytes.empty()) return JpegError{false, "JPEG: empty file"};
  if (stats != nullptr) *stats = JpegRegionStats{};
  try {
    // One parse of the markers for both excerpt ways.
    const std::optional<JpegFrame> frame = read_jpeg_frame(bytes);
    const std::optional<JpegRestartIndex> index =
        frame ? index_restart_intervals(bytes, *frame) : std::nullopt;
    if (index &&
        decode_regions_by_restart(bytes, *index, working_memory_limit, regions, stats, threads)) {
      return true;
    }
    if (frame && !index &&
        decode_regions_by_scan(bytes, *frame, working_memory_limit, regions, stats, threads)) {
      return true;
    }
    return decode_regions_in(bytes, working_memory_limit, regions, &regions_done);
  } catch (const std::bad_alloc&) {
    return JpegError{false, "JPEG: out of memory for the decoded regions"};
  } catch (const std::exception& e) {
    return JpegError{false, std::string("JPEG: ") + e.what()};
  }
}

}  // namespace patchq::patch
