#include "common/patchjob/patch_job_handler.hpp"

#include <chrono>
#include <iterator>
#include <optional>
#include <stdexcept>

#include "common/obs/log.hpp"
#include "common/patchjob/slot_selection.hpp"
#include "common/webhook/payload_parser.hpp"

namespace patchq::patchjob {
namespace {

using Clock = std::chrono::steady_clock;
using queue::JobOutcome;

JobOutcome from_v7_error(std::string_view step, const v7::V7Error& error) {
  std::string reason = std::string(step) + ": " + error.reason;
  if (error.retryable()) return JobOutcome::retry(std::move(reason), error.retry_after);
  return JobOutcome::dead(std::move(reason));
}

// "fetch image", naming the slot when the item has several.
std::string fetch_step(const webhook::Item& item, const webhook::Item& view) {
  if (item.image_slots.size() <= 1) return "fetch image";
  return "fetch image of slot \"" + view.slot.slot_name + "\"";
}

std::chrono::nanoseconds from_ms(double ms) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6));
}

std::unique_ptr<storage::ObjectStore> open_store(const storage::StorageConfig& config) {
  if (!config.enabled()) return nullptr;
  auto store = storage::ObjectStore::open(config);
  if (!store) throw std::invalid_argument(store.error().reason);
  return std::move(store).value();
}

v7::StorageSink sink_for(const storage::StorageConfig& config, const storage::ObjectStore* store) {
  v7::StorageSink sink;
  sink.store = store;
  sink.slug = config.slug;
  sink.readonly = config.readonly;
  return sink;
}

PatchJobConfig with_thumbnails_if_needed(PatchJobConfig config) {
  if (config.storage.enabled() && config.storage.readonly) {
    config.tiles.thumbnail_max_side = kThumbnailMaxSide;
  }
  return config;
}

}  // namespace

PatchJobHandler::PatchJobHandler(PatchJobConfig config, std::shared_ptr<v7::RateLimiter> limiter,
                                 std::shared_ptr<v7::RateLimiter> registration_limiter)
    : config_(with_thumbnails_if_needed(std::move(config))),
      store_(open_store(config_.storage)),
      client_(config_.v7, std::move(limiter), sink_for(config_.storage, store_.get()),
              std::move(registration_limiter)) {}

JobOutcome PatchJobHandler::handle(const queue::Job& job, queue::JobContext& ctx) {
  if (!job.payload_error.empty()) return JobOutcome::dead("payload refused: " + job.payload_error);
  auto parsed = webhook::parse_payload(job.payload);
  if (!parsed) return JobOutcome::dead("payload refused: " + parsed.error().reason);
  webhook::Item item = std::move(parsed).value();
  // The receiver records these as skipped; a job queued another way ends the same, said so.
  if (!item.unsupported_reason.empty()) return JobOutcome::done(0, item.unsupported_reason);

  auto team = client_.team_slug(item.team_slug);
  if (!team) return from_v7_error("team", team.error());
  const std::string wanted_target = job.target.empty() ? item.dataset_slug : job.target;
  auto target = client_.ensure_target(*team, wanted_target);
  if (!target) return from_v7_error("target", target.error());

  if (!item.annotations_included && item.shape == webhook::PayloadShape::darwin_v2) {
    // The stage sends no annotations (include_annotations off): ask V7 for them (one call).
    // Legacy payloads name no V7 item, so there is nothing to ask for.
    auto fetched = client_.item_annotations(*team, item.item_id, config_.max_annotations_bytes);
    if (!fetched) return from_v7_error("fetch annotations", fetched.error());
    webhook::PayloadParser parser;
    auto annotations = parser.parse_annotations_reply(*fetched);
    if (!annotations) {
      return JobOutcome::dead("annotations refused: " + annotations.error().reason);
    }
    item.annotations = std::move(annotations).value();
    item.annotations_included = true;
  }

  SlotSelection selection = select_slots(item, config_.tiles.patches.names);
  std::vector<patch::SkippedAnnotation> skipped = std::move(selection.skipped);

  // Each tile goes to the uploader the moment it is encoded: uploads overlap encoding. One
  // uploader serves every slot, so the item's tiles share batches and the budget.
  auto uploader = client_.start_upload(*team, *target);
  const auto upload_started = Clock::now();
  const auto sink = [&](patch::Tile&& tile) {
    const int width = static_cast<int>(tile.rect.w);
    const int height = static_cast<int>(tile.rect.h);
    uploader->add(v7::Tile{std::move(tile.name), std::move(tile.bytes), "/",
                           std::move(tile.thumbnail), width, height});
    return !ctx.stop_requested();
  };
  std::optional<JobOutcome> failed;
  for (const webhook::Item& view : selection.views) {
    const auto fetch_started = Clock::now();
    auto image = client_.fetch_image(view.slot.file_url);
    ctx.record_stage("fetch", Clock::now() - fetch_started);
    if (!image) {
      failed = from_v7_error(fetch_step(item, view), image.error());
      break;
    }
    if (ctx.stop_requested()) {
      failed = JobOutcome::retry("stopped before tiling", std::chrono::milliseconds(0));
      break;
    }
    patch::TileResult tiled = patch::cut_tiles(view, *image, config_.tiles, sink);
    image->clear();
    image->shrink_to_fit();  // the source image is not needed while the last uploads finish
    ctx.record_stage("decode", from_ms(tiled.timings.decode_ms));
    ctx.record_stage("tile", from_ms(tiled.timings.tile_ms));
    ctx.record_stage("encode", from_ms(tiled.timings.encode_ms));
    skipped.insert(skipped.end(), std::make_move_iterator(tiled.skipped.begin()),
                   std::make_move_iterator(tiled.skipped.end()));
    if (tiled.status == patch::TileStatus::cancelled) {
      failed = JobOutcome::retry("stopped while tiling", std::chrono::milliseconds(0));
      break;
    }
    if (!tiled.ok()) {
      const std::string where =
          item.image_slots.size() > 1 ? " (slot \"" + view.slot.slot_name + "\")" : "";
      failed = JobOutcome::dead(std::string("image refused") + where + " (" +
                                patch::status_name(tiled.status) + "): " + tiled.error);
      break;
    }
  }
  const v7::UploadReport report = uploader->finish();
  ctx.record_stage("upload", Clock::now() - upload_started);
  if (failed) return *failed;
  if (auto error = report.job_error()) return from_v7_error("upload", *error);

  const auto delivered = static_cast<std::int64_t>(report.uploaded + report.already_existed);
  std::string note = patch::summarise_skips(skipped);
  if (delivered == 0) {
    if (note.empty()) {
      note = item.annotations.empty() ? "no annotations" : "no patch annotations";
    }
    obs::log_info("job_no_patches")
        .field("job_id", job.id)
        .field("item_id", item.item_id)
        .field("annotations", item.annotations.size())
        .field("skipped", skipped.size())
        .field("note", note);
  }
  return JobOutcome::done(delivered, std::move(note));
}

}  // namespace patchq::patchjob
