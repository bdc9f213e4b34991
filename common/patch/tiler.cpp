// See tiler.hpp. Work is a flat list of (patch, row, col) jobs; encoding threads take the next
// from a TilePicker (the largest whose rows are decoded), so each tile is encoded once and no
// big tile is left to one thread at the end. Finished tiles go to a
// pending list; whichever thread finds the sink free empties it, so no thread waits for
// another's sink call.
#include "common/patch/tiler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <opencv2/core.hpp>
#include <optional>
#include <system_error>
#include <thread>

#include "common/obs/log.hpp"
#include "common/patch/page_prefault.hpp"
#include "common/patch/tile_grid.hpp"
#include "common/patch/tile_name.hpp"
#include "common/patch/tile_picker.hpp"
#include "common/patch/tile_trace.hpp"

namespace patchq::patch {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

TileStatus to_status(DecodeError error) {
  switch (error) {
    case DecodeError::none:
      return TileStatus::ok;
    case DecodeError::unsupported_format:
      return TileStatus::unsupported_format;
    case DecodeError::bad_header:
      return TileStatus::bad_header;
    case DecodeError::too_many_pixels:
      return TileStatus::too_many_pixels;
    case DecodeError::too_many_bytes:
      return TileStatus::too_many_bytes;
    case DecodeError::decode_failed:
      return TileStatus::decode_failed;
    case DecodeError::unsupported_pixels:
      return TileStatus::unsupported_pixels;
  }
  return TileStatus::decode_failed;
}

std::optional<ImageSize> slot_size(const webhook::Item& item) {
  if (!item.slot.width || !item.slot.height) return std::nullopt;
  return ImageSize{*item.slot.width, *item.slot.height};
}

struct TileJob {
  const PatchSpec* patch;
  int row;
  int col;
  PixelRect rect;
  std::string name;
  std::size_t region = 0;  // index into the decoded regions (region decode only)
};

// Encodes every job on up to options.jobs threads, possibly while the image is still decoding:
// a job waits until the decoder has reported the rows under it, and meanwhile the first helper
// faults in the image's remaining pages so that the decoder (the serial part) does not. Tiles
// finished before the decode has succeeded are held back and handed to the sink only once it
// has (a refused image delivers none).
class EncodePhase {
 public:
  EncodePhase(const std::vector<TileJob>& jobs, const TileOptions& options, const TileSink* sink,
              TileResult& result, TileTrace& trace)
      : jobs_(jobs),
        options_(options),
        sink_(sink),
        result_(result),
        trace_(trace),
        picker_(picker_tiles(jobs)) {
    if (sink_ == nullptr) result_.tiles.resize(jobs_.size());
  }
  EncodePhase(const EncodePhase&) = delete;
  EncodePhase& operator=(const EncodePhase&) = delete;
  ~EncodePhase() {
    {
      const std::lock_guard lock(mutex_);
      stop_.store(true, std::memory_order_relaxed);
    }
    ready_.notify_all();
    join();
  }

  // Starts the helper threads (options.jobs - 1), once; they encode as rows become ready.
  void start_helpers() {
    if (helpers_started_) return;
    helpers_started_ = true;
    const std::size_t wanted =
        std::clamp<std::size_t>(static_cast<std::size_t>(std::max(options_.jobs, 1)), 1,
                                std::max<std::size_t>(jobs_.size(), 1));
    for (std::size_t i = 1; i < wanted; ++i) {
      try {
        helpers_.emplace_back([this, i] {
          if (i == 1) {
            prefault_image();
            prepare_encoder(options_.encode, options_.thumbnail_max_side > 0);
          }
          work(static_cast<int>(i));
        });
      } catch (const std::system_error&) {
        break;  // fewer threads than asked: still correct, just slower
      }
    }
  }

  // Decoder side: rows [0, rows) of `image` are final.
  void rows_ready(const cv::Mat& image, int rows) {
    {
      const std::lock_guard lock(mutex_);
      if (image_.data != image.data) image_ = image;
      rows_ready_ = rows;
    }
    ready_.notify_all();
  }
  // Region decode: the tiles are cut from `regions` (nullptr: from the image again, when the
  // region decode declined and the full decode runs instead). Before any rows are reported.
  void decoding_regions(const std::vector<JpegRegion>* regions) {
    const std::lock_guard lock(mutex_);
    regions_ = regions;
  }
  // Region decode: the regions above row `rows` are final.
  void region_rows_ready(std::int64_t rows) {
    {
      const std::lock_guard lock(mutex_);
      rows_ready_ = rows;
    }
    ready_.notify_all();
  }
  // The whole image (or the regions) decoded and checked: everything is ready; held tiles go
  // to the sink.
  void decoded(const cv::Mat& image, const std::vector<JpegRegion>* regions) {
    std::unique_lock lock(mutex_);
    image_ = image;
    regions_ = regions;
    rows_ready_ = INT64_MAX;
    decoded_ = true;
    ready_.notify_all();
    if (sink_ != nullptr) deliver_pending(lock, 0);
  }
  // The decode was refused: stop, drop what was encoded.
  void abandon() {
    {
      const std::lock_guard lock(mutex_);
      stop_.store(true, std::memory_order_relaxed);
      pending_.clear();
    }
    ready_.notify_all();
    join();
    result_.tiles.clear();
  }

  // The caller's thread encodes too, then waits for the helpers.
  void finish() {
    work(0);
    const auto join_start = trace_.mark();
    join();
    trace_.add(0, "join", "", join_start);
    if (sink_ != nullptr) {  // normally empty by now: every tile's finisher delivered it
      std::unique_lock lock(mutex_);
      deliver_pending(lock, 0);
    }
    if (!error_.empty()) {
      result_.status = error_status_;
      result_.error = error_;
      result_.tiles.clear();
      return;
    }
    if (sink_ == nullptr) {
      for (const Tile& tile : result_.tiles) result_.tile_bytes += tile.bytes.size();
      result_.tile_count = static_cast<std::int64_t>(result_.tiles.size());
    }
  }

 private:
  void join() {
    for (std::thread& t : helpers_) {
      if (t.joinable()) t.join();
    }
    helpers_.clear();
  }

  static std::vector<TilePicker::Tile> picker_tiles(const std::vector<TileJob>& jobs) {
    std::vector<TilePicker::Tile> tiles;
    tiles.reserve(jobs.size());
    for (const TileJob& job : jobs) tiles.push_back({job.rect.bottom(), job.rect.w * job.rect.h});
    return tiles;
  }

  // Takes the next job once its rows are decoded: its index and view, or an empty Mat when no
  // job is left or the work stops.
  cv::Mat take_next(int thread, std::size_t& index) {
    const auto start = trace_.mark();
    std::unique_lock lock(mutex_);
    TilePicker::Pick pick;
    ready_.wait(lock, [&] {
      if (stop_.load(std::memory_order_relaxed)) return true;
      pick = picker_.next(rows_ready_);
      return pick.kind != TilePicker::Pick::Kind::wait;
    });
    if (stop_.load(std::memory_order_relaxed) || pick.kind != TilePicker::Pick::Kind::take) {
      return {};
    }
    index = pick.index;
    const TileJob& job = jobs_[index];
    trace_.add(thread, "wait", job.name, start);
    if (regions_ != nullptr) {
      const JpegRegion& region = (*regions_)[job.region];
      return region.pixels(cv::Rect(static_cast<int>(job.rect.x - region.rect.x),
                                    static_cast<int>(job.rect.y - region.rect.y),
                                    static_cast<int>(job.rect.w), static_cast<int>(job.rect.h)));
    }
    return image_(cv::Rect(static_cast<int>(job.rect.x), static_cast<int>(job.rect.y),
                           static_cast<int>(job.rect.w), static_cast<int>(job.rect.h)));
  }

  void work(int thread) {
    try {
      for (;;) {
        std::size_t index = 0;
        const cv::Mat view = take_next(thread, index);
        if (view.empty()) return;
        const TileJob& job = jobs_[index];
        Tile tile{job.name, {}, job.patch->annotation_id, job.row, job.col, job.rect, {}};
        const auto encode_start = trace_.mark();
        const std::string why = encode_tile(view, options_.encode, tile.bytes);
        trace_.add(thread, "encode", job.name, encode_start);
        if (!why.empty()) return fail(TileStatus::encode_failed, "tile " + job.name + ": " + why);
        if (options_.thumbnail_max_side > 0) {
          const std::string thumb_why =
              encode_thumbnail(view, options_.thumbnail_max_side, tile.thumbnail);
          if (!thumb_why.empty()) {
            return fail(TileStatus::encode_failed, "thumbnail of " + job.name + ": " + thumb_why);
          }
        }
        if (sink_ == nullptr) {
          result_.tiles[index] = std::move(tile);
          continue;
        }
        std::unique_lock lock(mutex_);
        if (stop_.load(std::memory_order_relaxed)) return;
        pending_.push_back(std::move(tile));
        if (!deliver_pending(lock, thread)) return;
      }
    } catch (const std::exception& e) {
      fail(TileStatus::encode_failed, std::string("tile encoding failed: ") + e.what());
    } catch (...) {
      fail(TileStatus::encode_failed, "tile encoding failed with an unknown exception");
    }
  }

  // Hands the pending tiles to the sink outside the lock, unless the decode has not succeeded
  // yet or another thread is at it (it then takes these too before it lets go). `lock` holds
  // mutex_ on entry and on return. Returns false once the work is stopped.
  bool deliver_pending(std::unique_lock<std::mutex>& lock, int thread) {
    if (!decoded_ || delivering_) return !stop_.load(std::memory_order_relaxed);
    delivering_ = true;
    while (!pending_.empty() && !stop_.load(std::memory_order_relaxed)) {
      std::vector<Tile> batch = std::move(pending_);
      pending_.clear();
      lock.unlock();
      const auto start = trace_.mark();
      std::size_t delivered = 0;
      std::uint64_t bytes = 0;
      bool cancelled = false;
      for (Tile& tile : batch) {
        if (stop_.load(std::memory_order_relaxed)) break;
        const std::size_t size = tile.bytes.size();
        if (!(*sink_)(std::move(tile))) {
          cancelled = true;
          break;
        }
        delivered += 1;
        bytes += size;
      }
      trace_.add(thread, "sink", std::to_string(delivered) + " tiles", start);
      lock.lock();
      result_.tile_count += static_cast<std::int64_t>(delivered);
      result_.tile_bytes += bytes;
      if (cancelled) {
        record(TileStatus::cancelled, "the tile sink stopped the work after " +
                                          std::to_string(result_.tile_count) + " tiles");
        ready_.notify_all();
      }
    }
    delivering_ = false;
    return !stop_.load(std::memory_order_relaxed);
  }

  // The first helper, before it encodes: while the decoder fills the image row by row, fault in
  // the pages below the rows it has reached (the image is allocated, untouched, before the
  // first rows are reported; nothing to do when it is not reported before the decode ends, nor
  // for regions, which the decoder fills as it allocates them).
  void prefault_image() {
    cv::Mat image;
    std::int64_t rows = 0;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] {
        return stop_.load(std::memory_order_relaxed) || decoded_ || image_.data != nullptr ||
               regions_ != nullptr;
      });
      if (stop_.load(std::memory_order_relaxed) || decoded_ || regions_ != nullptr) return;
      image = image_;  // a reference: keeps the pixels allocated while we touch them
      rows = rows_ready_;
    }
    if (!image.isContinuous() || rows >= image.rows) return;
    const auto start = trace_.mark();
    // In slices, so that a refused decode does not wait for a whole 1 GB image's pages.
    constexpr std::size_t kSlice = std::size_t{64} << 20;
    unsigned char* from = image.ptr<unsigned char>(static_cast<int>(rows));
    const unsigned char* end = image.dataend;
    while (from < end && !stop_.load(std::memory_order_relaxed)) {
      const std::size_t size = std::min(kSlice, static_cast<std::size_t>(end - from));
      if (!prefault_for_writing(from, size)) break;  // not supported here: nothing to gain
      from += size;
    }
    trace_.add(1, "prefault", "", start);
  }

  void fail(TileStatus status, std::string reason) {
    {
      const std::lock_guard lock(mutex_);
      record(status, std::move(reason));
    }
    ready_.notify_all();
  }
  // Precondition: mutex_ held. The first failure wins.
  void record(TileStatus status, std::string reason) {
    stop_.store(true, std::memory_order_relaxed);
    if (!error_.empty()) return;
    error_status_ = status;
    error_ = std::move(reason);
  }

  const std::vector<TileJob>& jobs_;
  const TileOptions& options_;
  const TileSink* sink_;
  TileResult& result_;
  TileTrace& trace_;
  std::vector<std::thread> helpers_;
  bool helpers_started_ = false;
  std::atomic<bool> stop_{false};
  // Guards the fields below, error_ and the streaming counters; delivering_ serializes sink
  // calls (made outside the lock).
  std::mutex mutex_;
  TilePicker picker_;
  std::condition_variable ready_;
  cv::Mat image_;
  const std::vector<JpegRegion>* regions_ = nullptr;
  std::int64_t rows_ready_ = 0;
  bool decoded_ = false;
  std::vector<Tile> pending_;  // encoded, not yet handed to the sink
  bool delivering_ = false;
  TileStatus error_status_ = TileStatus::ok;
  std::string error_;
};

// Rows a region decode of `jobs` would take, as disjoint bands sorted by row: rects whose rows
// overlap share a band, as wide as their columns together. Sets each job's region index.
std::vector<JpegRegion> plan_regions(std::vector<TileJob>& jobs) {
  std::vector<std::size_t> by_top(jobs.size());
  for (std::size_t i = 0; i < by_top.size(); ++i) by_top[i] = i;
  std::stable_sort(by_top.begin(), by_top.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].rect.y < jobs[b].rect.y; });
  std::vector<JpegRegion> regions;
  for (const std::size_t i : by_top) {
    const PixelRect& r = jobs[i].rect;
    if (!regions.empty() && r.y < regions.back().rect.bottom()) {
      PixelRect& band = regions.back().rect;
      const std::int64_t left = std::min(band.x, r.x);
      const std::int64_t right = std::max(band.right(), r.right());
      band = PixelRect{left, band.y, right - left, std::max(band.bottom(), r.bottom()) - band.y};
    } else {
      regions.push_back(JpegRegion{r, {}});
    }
    jobs[i].region = regions.size() - 1;
  }
  return regions;
}

std::uint64_t region_bytes(const std::vector<JpegRegion>& regions, const ImageHeader& header) {
  std::uint64_t pixels = 0;
  for (const JpegRegion& r : regions) pixels += static_cast<std::uint64_t>(r.rect.w * r.rect.h);
  return pixels * static_cast<std::uint64_t>(header.channels) * header.bytes_per_sample;
}

TileResult run(const webhook::Item& item, std::string_view image_bytes, const TileOptions& options,
               const TileSink* sink, const std::function<bool()>& stop) {
  TileResult result;
  TileTrace trace;
  const auto decode_start = Clock::now();
  DecodeOptions decode_options;
  decode_options.max_pixels = options.max_pixels;
  decode_options.max_decoded_bytes = options.max_decoded_bytes;
  decode_options.apply_exif_orientation = options.apply_exif_orientation;
  decode_options.slot_size = slot_size(item);
  decode_options.threads = std::max(options.jobs, 1);
  result.source_format = sniff_format(image_bytes);
  // The header is checked, and the patches planned on its size, before any pixel is decoded.
  const CheckResult checked = check_image(image_bytes, decode_options);
  const double check_ms = ms_since(decode_start);
  if (!checked.ok()) {
    result.status = to_status(checked.error);
    result.error = checked.reason;
    result.timings.decode_ms = check_ms;
    return result;
  }
  const ImageHeader& header = checked.image.header;
  result.image_size = checked.image.upright;

  const auto tile_start = Clock::now();
  PatchPlan plan = plan_patches(item, result.image_size, options.patches);
  const std::string stem = tile_stem(item);
  const std::string_view extension = tile_extension(options.encode.format);
  std::vector<TileJob> jobs;
  jobs.reserve(static_cast<std::size_t>(plan.tile_count));
  for (const PatchSpec& patch : plan.patches) {
    const TileGrid grid(patch.box, patch.grid);
    const std::string key = box_key(patch.box, patch.grid);
    for (int row = 0; row < grid.rows(); ++row) {
      for (int col = 0; col < grid.cols(); ++col) {
        jobs.push_back(TileJob{&patch, row, col, grid.tile(row, col),
                               tile_name(stem, patch.annotation_id, key, row, col, extension), 0});
      }
    }
  }
  result.timings.tile_ms = ms_since(tile_start);

  // Sparse patches of a JPEG: decode only their rows and columns when that is at most half
  // the image (a full decode then costs little more, and it overlaps with encoding). Not for a
  // progressive one: libjpeg buffers its whole image anyway.
  std::vector<JpegRegion> regions;
  bool try_regions = false;
  if (options.partial_decode && header.format == ImageFormat::jpeg && !checked.image.orient &&
      header.coefficient_bytes == 0 && !jobs.empty()) {
    regions = plan_regions(jobs);
    try_regions = 2 * region_bytes(regions, header) <= decoded_bytes(header);
  }
  // The process's other jobs share the decode memory: wait for this decode's share first.
  // Declared before the phase, so the bytes are given back only once the pixels are gone.
  DecodedReservation reservation;
  std::uint64_t reserved_for = 0;  // what was asked for (the budget may hold less: its capacity)
  const auto reserve = [&](std::uint64_t bytes) {
    reserved_for = bytes;
    if (!options.decoded_budget) return true;
    reservation.release();  // one reservation at a time: a caller never waits holding bytes
    auto granted = options.decoded_budget->reserve(bytes, stop, item.item_id);
    const std::chrono::nanoseconds waited = granted ? granted->waited() : granted.error().waited;
    result.timings.budget_wait_ms += std::chrono::duration<double, std::milli>(waited).count();
    if (granted) {
      reservation = std::move(granted).value();
      return true;
    }
    result.status = granted.error().kind == BudgetRefusal::Kind::stopped
                        ? TileStatus::cancelled
                        : TileStatus::budget_timeout;
    result.error = granted.error().reason;
    return false;
  };
  const std::uint64_t full_bytes =
      decode_reservation_bytes(header, checked.image.orient, 0, options.max_decoded_bytes);
  if (!reserve(try_regions ? decode_reservation_bytes(header, false, region_bytes(regions, header),
                                                      options.max_decoded_bytes)
                           : full_bytes)) {
    return result;
  }

  EncodePhase phase(jobs, options, sink, result, trace);
  bool region_decoded = false;
  const auto region_start = Clock::now();
  const auto region_mark = trace.mark();
  if (try_regions) {
    // With helper threads, a region's tiles are encoded while the regions below it decode.
    JpegRegionsDone regions_done;
    if (options.jobs > 1) {
      phase.decoding_regions(&regions);
      phase.start_helpers();
      regions_done = [&phase, &regions](std::size_t count) {
        phase.region_rows_ready(regions[count - 1].rect.bottom());
      };
    }
    const RegionDecodeResult partial =
        decode_image_regions(image_bytes, decode_options, regions, regions_done);
    trace.add(0, "region_decode", "", region_mark);
    if (!partial.ok()) {
      phase.abandon();
      result.status = to_status(partial.error);
      result.error = partial.reason;
      result.timings.decode_ms = check_ms + ms_since(region_start);
      return result;
    }
    region_decoded = partial.decoded;
    if (!region_decoded) phase.decoding_regions(nullptr);
  }
  auto encode_start = Clock::now();
  if (region_decoded) {
    result.timings.decode_ms = check_ms + ms_since(region_start);
    result.decoded_regions = static_cast<int>(regions.size());
    result.channels = regions.front().pixels.channels();
    result.bit_depth = 8;
    if (options.jobs > 1) encode_start = region_start;  // encoding overlapped the decode
    phase.decoded(cv::Mat(), &regions);
    phase.start_helpers();
  } else {
    // Full decode; with helper threads, encoding starts on the rows already decoded.
    if (reserved_for < full_bytes && !reserve(full_bytes)) {
      phase.abandon();
      return result;
    }
    if (options.jobs > 1) phase.start_helpers();
    const auto full_start = Clock::now();
    const auto full_mark = trace.mark();
    DecodeResult decoded =
        decode_image(image_bytes, decode_options,
                     [&phase](const cv::Mat& image, int rows) { phase.rows_ready(image, rows); });
    result.timings.decode_ms = check_ms + ms_since(full_start);
    trace.add(0, "decode", "", full_mark);
    if (!decoded.ok()) {
      phase.abandon();
      result.status = to_status(decoded.error);
      result.error = std::move(decoded.reason);
      return result;
    }
    const cv::Mat& image = decoded.image.pixels;
    result.image_size = ImageSize{image.cols, image.rows};
    result.channels = image.channels();
    result.bit_depth = image.depth() == CV_16U ? 16 : 8;
    result.orientation_applied = decoded.image.orientation_applied;
    if (result.image_size != checked.image.upright) {  // the header and the data disagreed
      phase.abandon();
      result.status = TileStatus::decode_failed;
      result.error = "decoded image is " + std::to_string(image.cols) + "x" +
                     std::to_string(image.rows) + ", its header said " +
                     std::to_string(checked.image.upright.width) + "x" +
                     std::to_string(checked.image.upright.height);
      return result;
    }
    phase.decoded(image, nullptr);
    if (options.jobs <= 1) encode_start = Clock::now();  // nothing was encoded during the decode
  }

  result.skipped = std::move(plan.skipped);
  if (const auto expected = slot_size(item); expected && *expected != result.image_size) {
    obs::log_warn("image_size_mismatch")
        .field("item_id", item.item_id)
        .field("slot_width", expected->width)
        .field("slot_height", expected->height)
        .field("image_width", result.image_size.width)
        .field("image_height", result.image_size.height);
  }
  if (options.log_skips && !result.skipped.empty()) {
    // Bounded whatever the payload holds: the first few in full, then one summary line.
    for (std::size_t i = 0; i < result.skipped.size() && i < kLoggedSkips; ++i) {
      const SkippedAnnotation& s = result.skipped[i];
      obs::log_warn("patch_skipped")
          .field("item_id", item.item_id)
          .field("annotation_id", s.annotation_id)
          .field("annotation", s.annotation_name)
          .field("reason", s.reason);
    }
    if (result.skipped.size() > kLoggedSkips) {
      obs::log_warn("patches_skipped")
          .field("item_id", item.item_id)
          .field("skipped", result.skipped.size())
          .field("summary", summarise_skips(result.skipped));
    }
  }
  phase.finish();
  result.timings.encode_ms = ms_since(encode_start);
  result.timings.total_ms = ms_since(decode_start);
  trace.log();
  return result;
}

}  // namespace

std::uint64_t decode_reservation_bytes(const ImageHeader& header, bool orient,
                                       std::uint64_t region_bytes,
                                       std::uint64_t max_decoded_bytes) {
  const std::uint64_t image = region_bytes > 0 ? region_bytes : decoded_bytes(header);
  // libjpeg frees a progressive file's coefficients before the rotation copy is made.
  const std::uint64_t while_decoding = image + header.coefficient_bytes;
  const std::uint64_t while_rotating = orient && region_bytes == 0 ? 2 * image : image;
  return std::min(std::max(while_decoding, while_rotating), max_decoded_bytes);
}

const char* status_name(TileStatus status) {
  switch (status) {
    case TileStatus::ok:
      return "ok";
    case TileStatus::unsupported_format:
      return "unsupported_format";
    case TileStatus::bad_header:
      return "bad_header";
    case TileStatus::too_many_pixels:
      return "too_many_pixels";
    case TileStatus::too_many_bytes:
      return "too_many_bytes";
    case TileStatus::decode_failed:
      return "decode_failed";
    case TileStatus::unsupported_pixels:
      return "unsupported_pixels";
    case TileStatus::encode_failed:
      return "encode_failed";
    case TileStatus::cancelled:
      return "cancelled";
    case TileStatus::budget_timeout:
      return "budget_timeout";
  }
  return "unknown";
}

TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options) {
  try {
    return run(item, image_bytes, options, nullptr, {});
  } catch (const std::exception& e) {
    TileResult result;
    result.status = TileStatus::decode_failed;
    result.error = std::string("tiling failed: ") + e.what();
    return result;
  }
}

TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options, const TileSink& sink,
                     const std::function<bool()>& stop) {
  try {
    return run(item, image_bytes, options, sink ? &sink : nullptr, stop);
  } catch (const std::exception& e) {
    TileResult result;
    result.status = TileStatus::decode_failed;
    result.error = std::string("tiling failed: ") + e.what();
    return result;
  }
}

}  // namespace patchq::patch
