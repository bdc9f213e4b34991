#include "common/patchjob/patch_job_handler.hpp"

#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include "common/obs/log.hpp"
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

std::chrono::nanoseconds from_ms(double ms) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6));
}

std::unique_ptr<storage::ObjectStore> open_store(const storage::StorageConfig& config) {
  if (!config.enabled()) return nullptr;
  auto store = storage::ObjectStore::open(config);
  if (!store) throw std::invalid_argument(store.error().reason);
  return std::move(store).value();
}

v7::StorageSink sink_for(const storage::StorageConfig& config, const storage::ObjectStore* store,
                         v7::ExistingRegistrar* registrar) {
  v7::StorageSink sink;
  sink.registrar = registrar;
  sink.store = store;
  sink.slug = config.slug;
  sink.readonly = config.readonly;
  return sink;
}

using AnnotationNames = std::unordered_map<std::string_view, std::string_view>;

AnnotationNames annotation_names(const webhook::Item& item) {
  AnnotationNames names;
  for (const auto& annotation : item.annotations) names.emplace(annotation.id, annotation.name);
  return names;
}

TileOrigin origin_of(const webhook::Item& item, const AnnotationNames& names,
                     std::string_view annotation_id) {
  const auto found = names.find(annotation_id);
  return TileOrigin{item.path,
                    item.name,
                    item.item_id,
                    item.dataset_slug,
                    found == names.end() ? std::string_view() : found->second,
                    annotation_id};
}

PatchJobConfig with_thumbnails_if_needed(PatchJobConfig config) {
  if (config.storage.enabled() && config.storage.readonly) {
    config.tiles.thumbnail_max_side = kThumbnailMaxSide;
  }
  return config;
}

}  // namespace

PatchJobHandler::PatchJobHandler(PatchJobConfig config, std::shared_ptr<v7::RateLimiter> limiter,
                                 std::shared_ptr<v7::RateLimiter> registration_limiter,
                                 std::shared_ptr<v7::ExistingRegistrar> registrar,
                                 std::shared_ptr<v7::UploadJournal> journal)
    : config_(with_thumbnails_if_needed(std::move(config))),
      registrar_(std::move(registrar)),
      journal_(std::move(journal)),
      store_(open_store(config_.storage)),
      client_(config_.v7, std::move(limiter),
              sink_for(config_.storage, store_.get(), registrar_.get()),
              std::move(registration_limiter)) {
  client_.set_upload_journal(journal_.get());
}

JobOutcome PatchJobHandler::handle(const queue::Job& job, queue::JobContext& ctx) {
  if (!job.payload_error.empty()) return JobOutcome::dead("payload refused: " + job.payload_error);
  auto parsed = webhook::parse_payload(job.payload);
  if (!parsed) return JobOutcome::dead("payload refused: " + parsed.error().reason);
  const webhook::Item item = std::move(parsed).value();

  auto team = client_.team_slug(item.team_slug);
  if (!team) return from_v7_error("team", team.error());
  const std::string wanted_target = job.target.empty() ? item.dataset_slug : job.target;
  auto target = client_.ensure_target(*team, wanted_target);
  if (!target) return from_v7_error("target", target.error());

  const auto fetch_started = Clock::now();
  auto image = client_.fetch_image(item.slot.file_url);
  ctx.record_stage("fetch", Clock::now() - fetch_started);
  if (!image) return from_v7_error("fetch image", image.error());
  if (ctx.stop_requested())
    return JobOutcome::retry("stopped before tiling", std::chrono::milliseconds(0));

  // Each tile goes to the uploader the moment it is encoded: uploads overlap encoding.
  auto uploader = client_.start_upload(*team, *target);
  const auto upload_started = Clock::now();
  const AnnotationNames names = annotation_names(item);
  const auto sink = [&](patch::Tile&& tile) {
    const int width = static_cast<int>(tile.rect.w);
    const int height = static_cast<int>(tile.rect.h);
    const TileOrigin origin = origin_of(item, names, tile.annotation_id);
    v7::Tile upload{std::move(tile.name),
                    std::move(tile.bytes),
                    render_path(config_.provenance.path_template, origin),
                    std::move(tile.thumbnail),
                    width,
                    height};
    upload.tags = render_tags(config_.provenance.tag_templates, origin);
    uploader->add(std::move(upload));
    return !ctx.stop_requested();
  };
  const patch::TileResult tiled = patch::cut_tiles(item, *image, config_.tiles, sink);
  image->clear();
  image->shrink_to_fit();  // the source image is not needed while the last uploads finish
  ctx.record_stage("decode", from_ms(tiled.timings.decode_ms));
  ctx.record_stage("tile", from_ms(tiled.timings.tile_ms));
  ctx.record_stage("encode", from_ms(tiled.timings.encode_ms));
  const v7::UploadReport report = uploader->finish();
  ctx.record_stage("upload", Clock::now() - upload_started);

  if (tiled.status == patch::TileStatus::cancelled) {
    return JobOutcome::retry("stopped while tiling", std::chrono::milliseconds(0));
  }
  if (!tiled.ok()) {
    return JobOutcome::dead(std::string("image refused (") + patch::status_name(tiled.status) +
                            "): " + tiled.error);
  }
  if (auto error = report.job_error()) return from_v7_error("upload", *error);
  const auto delivered = static_cast<std::int64_t>(report.uploaded + report.already_existed);
  if (delivered == 0) {
    obs::log_info("job_no_patches")
        .field("job_id", job.id)
        .field("item_id", item.item_id)
        .field("annotations", item.annotations.size())
        .field("skipped", tiled.skipped.size());
  }
  return JobOutcome::done(delivered);
}

}  // namespace patchq::patchjob
