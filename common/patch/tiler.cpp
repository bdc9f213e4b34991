// See tiler.hpp. Work is a flat list of (patch, row, col) jobs; encoding threads pull the next
// job index from an atomic counter, so the split needs no queue and each tile is encoded once.
#include "common/patch/tiler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <opencv2/core.hpp>
#include <optional>
#include <system_error>
#include <thread>

#include "common/obs/log.hpp"
#include "common/patch/tile_grid.hpp"
#include "common/patch/tile_name.hpp"

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
};

// Encodes every job, on up to options.jobs threads.
class EncodePhase {
 public:
  EncodePhase(const cv::Mat& image, const std::vector<TileJob>& jobs, const TileOptions& options,
              const TileSink* sink, TileResult& result)
      : image_(image), jobs_(jobs), options_(options), sink_(sink), result_(result) {
    if (sink_ == nullptr) result_.tiles.resize(jobs_.size());
  }

  void run() {
    const std::size_t wanted =
        std::clamp<std::size_t>(static_cast<std::size_t>(std::max(options_.jobs, 1)), 1,
                                std::max<std::size_t>(jobs_.size(), 1));
    std::vector<std::thread> helpers;
    for (std::size_t i = 1; i < wanted; ++i) {
      try {
        helpers.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        break;  // fewer threads than asked: still correct, just slower
      }
    }
    work();
    for (std::thread& t : helpers) t.join();

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
  void work() {
    try {
      while (!stop_.load(std::memory_order_relaxed)) {
        const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
        if (index >= jobs_.size()) return;
        const TileJob& job = jobs_[index];
        const cv::Mat view =
            image_(cv::Rect(static_cast<int>(job.rect.x), static_cast<int>(job.rect.y),
                            static_cast<int>(job.rect.w), static_cast<int>(job.rect.h)));
        Tile tile{job.name, {}, job.patch->annotation_id, job.row, job.col, job.rect, {}};
        const std::string why = encode_tile(view, options_.encode, tile.bytes);
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
        const std::lock_guard lock(mutex_);
        if (stop_.load(std::memory_order_relaxed)) return;
        const std::size_t size = tile.bytes.size();
        if (!(*sink_)(std::move(tile))) {
          record(TileStatus::cancelled, "the tile sink stopped the work after " +
                                            std::to_string(result_.tile_count) + " tiles");
          return;
        }
        result_.tile_count += 1;
        result_.tile_bytes += size;
      }
    } catch (const std::exception& e) {
      fail(TileStatus::encode_failed, std::string("tile encoding failed: ") + e.what());
    } catch (...) {
      fail(TileStatus::encode_failed, "tile encoding failed with an unknown exception");
    }
  }

  void fail(TileStatus status, std::string reason) {
    const std::lock_guard lock(mutex_);
    record(status, std::move(reason));
  }
  // Precondition: mutex_ held. The first failure wins.
  void record(TileStatus status, std::string reason) {
    stop_.store(true, std::memory_order_relaxed);
    if (!error_.empty()) return;
    error_status_ = status;
    error_ = std::move(reason);
  }

  const cv::Mat& image_;
  const std::vector<TileJob>& jobs_;
  const TileOptions& options_;
  const TileSink* sink_;
  TileResult& result_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;  // serializes sink calls and guards error_ and the streaming counters
  TileStatus error_status_ = TileStatus::ok;
  std::string error_;
};

TileResult run(const webhook::Item& item, std::string_view image_bytes, const TileOptions& options,
               const TileSink* sink) {
  TileResult result;
  const auto decode_start = Clock::now();
  DecodeOptions decode_options;
  decode_options.max_pixels = options.max_pixels;
  decode_options.max_decoded_bytes = options.max_decoded_bytes;
  decode_options.apply_exif_orientation = options.apply_exif_orientation;
  decode_options.slot_size = slot_size(item);
  DecodeResult decoded = decode_image(image_bytes, decode_options);
  result.timings.decode_ms = ms_since(decode_start);
  result.source_format = sniff_format(image_bytes);
  if (!decoded.ok()) {
    result.status = to_status(decoded.error);
    result.error = std::move(decoded.reason);
    return result;
  }
  const cv::Mat& image = decoded.image.pixels;
  result.image_size = ImageSize{image.cols, image.rows};
  result.channels = image.channels();
  result.bit_depth = image.depth() == CV_16U ? 16 : 8;
  result.orientation_applied = decoded.image.orientation_applied;
  if (const auto expected = slot_size(item); expected && *expected != result.image_size) {
    obs::log_warn("image_size_mismatch")
        .field("item_id", item.item_id)
        .field("slot_width", expected->width)
        .field("slot_height", expected->height)
        .field("image_width", result.image_size.width)
        .field("image_height", result.image_size.height);
  }

  const auto tile_start = Clock::now();
  PatchPlan plan = plan_patches(item, result.image_size, options.patches);
  result.skipped = std::move(plan.skipped);
  if (options.log_skips) {
    for (const SkippedAnnotation& s : result.skipped) {
      obs::log_warn("patch_skipped")
          .field("item_id", item.item_id)
          .field("annotation_id", s.annotation_id)
          .field("annotation", s.annotation_name)
          .field("reason", s.reason);
    }
  }
  const std::string stem = item_stem(item.name);
  const std::string_view extension = tile_extension(options.encode.format);
  std::vector<TileJob> jobs;
  jobs.reserve(static_cast<std::size_t>(plan.tile_count));
  for (const PatchSpec& patch : plan.patches) {
    const TileGrid grid(patch.box, patch.grid);
    const std::string key = box_key(patch.box, patch.grid);
    for (int row = 0; row < grid.rows(); ++row) {
      for (int col = 0; col < grid.cols(); ++col) {
        jobs.push_back(TileJob{&patch, row, col, grid.tile(row, col),
                               tile_name(stem, patch.annotation_id, key, row, col, extension)});
      }
    }
  }
  result.timings.tile_ms = ms_since(tile_start);

  const auto encode_start = Clock::now();
  EncodePhase(image, jobs, options, sink, result).run();
  result.timings.encode_ms = ms_since(encode_start);
  return result;
}

}  // namespace

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
  }
  return "unknown";
}

TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options) {
  try {
    return run(item, image_bytes, options, nullptr);
  } catch (const std::exception& e) {
    TileResult result;
    result.status = TileStatus::decode_failed;
    result.error = std::string("tiling failed: ") + e.what();
    return result;
  }
}

TileResult cut_tiles(const webhook::Item& item, std::string_view image_bytes,
                     const TileOptions& options, const TileSink& sink) {
  try {
    return run(item, image_bytes, options, sink ? &sink : nullptr);
  } catch (const std::exception& e) {
    TileResult result;
    result.status = TileStatus::decode_failed;
    result.error = std::string("tiling failed: ") + e.what();
    return result;
  }
}

}  // namespace patchq::patch
