#include "common/patchjob/patch_job_handler.hpp"

#include <chrono>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "common/annotations/annotation_reader.hpp"
#include "common/obs/log.hpp"
#include "common/patch/patch_name.hpp"
#include "common/patchjob/slot_selection.hpp"
#include "common/storage/storage_config.hpp"
#include "common/webhook/payload_parser.hpp"

namespace patchq::patchjob {
namespace {

using Clock = std::chrono::steady_clock;
using queue::JobOutcome;

// V7 reasons already name their call ("fetch image: ..."): the step is prefixed only when the
// reason does not start with it, so no reason reads "fetch image: fetch image:".
std::string with_step(std::string_view step, const std::string& reason) {
  const bool named = reason.starts_with(step) && reason.size() > step.size() &&
                     (reason[step.size()] == ':' || reason[step.size()] == ' ');
  return named ? reason : std::string(step) + ": " + reason;
}

JobOutcome from_v7_error(std::string_view step, const v7::V7Error& error) {
  std::string reason = with_step(step, error.reason);
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

// Names one item of one target dataset for the cut ledger.
std::string item_identity(const std::string& team, const std::string& target,
                          const webhook::Item& item) {
  std::string identity = team;
  identity += '\0';
  identity += target;
  identity += '\0';
  identity += item.item_id.empty() ? item.name : item.item_id;
  return identity;
}

// The note of a job that delivers no tile (and its log line): why, from the skips.
std::string no_tiles_note(const queue::Job& job, const webhook::Item& item,
                          const std::vector<patch::SkippedAnnotation>& skipped) {
  std::string note = patch::summarise_skips(skipped);
  if (note.empty()) note = item.annotations.empty() ? "no annotations" : "no patch annotations";
  obs::log_info("job_no_patches")
      .field("job_id", job.id)
      .field("item_id", item.item_id)
      .field("annotations", item.annotations.size())
      .field("skipped", skipped.size())
      .field("note", note);
  return note;
}

// Read-only storage gets a thumbnail per tile; a private storage server is trusted by origin.
PatchJobConfig with_storage_needs(PatchJobConfig config) {
  if (config.storage.enabled() && config.storage.readonly) {
    config.tiles.thumbnail_max_side = kThumbnailMaxSide;
  }
  if (auto origin = storage::private_storage_origin(config.storage); !origin.empty()) {
    config.v7.private_origins.push_back(std::move(origin));
  }
  return config;
}

}  // namespace

PatchJobHandler::PatchJobHandler(PatchJobConfig config, std::shared_ptr<v7::RateLimiter> limiter,
                                 std::shared_ptr<v7::RateLimiter> registration_limiter,
                                 std::shared_ptr<v7::ExistingRegistrar> registrar,
                                 std::shared_ptr<v7::UploadJournal> journal,
                                 std::shared_ptr<CutLedger> ledger, ProcessShared shared)
    : config_(with_storage_needs(std::move(config))),
      registrar_(std::move(registrar)),
      journal_(std::move(journal)),
      ledger_(std::move(ledger)),
      store_(open_store(config_.storage)),
      client_(config_.v7, limiter, sink_for(config_.storage, store_.get(), registrar_.get()),
              std::move(registration_limiter), std::move(shared.v7)),
      limiter_(std::move(limiter)),
      carrier_(config_.carry_annotations
                   ? std::make_unique<AnnotationCarrier>(config_.v7, limiter_.get(), store_.get(),
                                                         std::move(shared.classes))
                   : nullptr) {
  client_.set_upload_journal(journal_.get());
  client_.share_direct_uploads(std::move(shared.direct_uploads));
}

std::vector<annotations::CarriedAnnotation> PatchJobHandler::annotations_to_carry(
    const queue::Job& job, std::string_view annotations_json, const webhook::Item& item) const {
  if (!carrier_) return {};
  annotations::ReadOptions options;
  const patch::PatchNameRules& rules = config_.tiles.patches.names;
  options.is_patch = [&rules](std::string_view name) {
    return patch::classify_patch_name(name, rules).kind != patch::PatchNameKind::not_patch;
  };
  auto read = annotations::read_annotations(annotations_json, options);
  if (!read) {
    obs::log_warn("annotations_not_read")
        .field("job_id", job.id)
        .field("reason", read.error().reason);
    return {};
  }
  if (read->unknown_shape + read->malformed + read->over_limit > 0) {
    obs::log_info("annotations_not_carried")
        .field("job_id", job.id)
        .field("unknown_shape", read->unknown_shape)
        .field("malformed", read->malformed)
        .field("over_limit", read->over_limit);
  }
  // As for patches (slot_selection): an annotation naming no slot is on the first image slot.
  if (!item.image_slots.empty()) {
    for (auto& a : read->annotations) {
      if (a.slot_names.empty()) a.slot_names.push_back(item.image_slots.front().slot_name);
    }
  }
  return std::move(read->annotations);
}

JobOutcome PatchJobHandler::carry_annotations(
    const queue::Job& job, queue::JobContext& ctx, const std::string& team,
    const std::string& target, const std::vector<annotations::CarriedAnnotation>& source,
    std::vector<CarriedTile> tiles, const v7::UploadReport& report) {
  // The uploader reports every tile in add() order, as `tiles` holds them.
  for (std::size_t i = 0; i < tiles.size() && i < report.tiles.size(); ++i) {
    tiles[i].outcome = report.tiles[i].outcome;
    tiles[i].item_id = report.tiles[i].item_id;
  }
  const auto started = Clock::now();
  auto carried =
      carrier_->carry(team, target, source, tiles, [&ctx] { return ctx.stop_requested(); });
  ctx.record_stage("annotations", Clock::now() - started);
  if (!carried) return from_v7_error("annotations", carried.error());
  const auto delivered = static_cast<std::int64_t>(report.uploaded + report.already_existed);
  auto line = obs::log_info("annotations_carried");
  line.field("job_id", job.id)
      .field("tiles", carried->tiles_with_annotations)
      .field("import_calls", carried->import_calls)
      .field("annotations", carried->annotations)
      .field("files_written", carried->files_written)
      .field("without_item_id", carried->without_item_id)
      .field("class_calls", carried->class_calls);
  const auto joined = [](const std::vector<std::string>& list) {
    std::string out;
    for (const auto& entry : list) out += (out.empty() ? "" : ",") + entry;
    return out;
  };
  if (!carried->classes_created.empty()) {
    line.field("classes_created", joined(carried->classes_created));
  }
  if (!carried->missing_classes.empty()) {
    line.field("missing_classes", joined(carried->missing_classes));
  }
  if (!carried->missing_attributes.empty()) {
    line.field("missing_attributes", joined(carried->missing_attributes));
  }
  return JobOutcome::done(delivered);
}

JobOutcome PatchJobHandler::handle(const queue::Job& job, queue::JobContext& ctx) {
  // Every V7 call of this job, on this thread or the upload pool's, counts to its fair share.
  const v7::ShareScope share(job.id);
  if (!job.payload_error.empty()) return JobOutcome::dead("payload refused: " + job.payload_error);
  auto parsed = webhook::parse_payload(job.payload);
  if (!parsed) return JobOutcome::dead("payload refused: " + parsed.error().reason);
  webhook::Item item = std::move(parsed).value();
  // The receiver records these as skipped; a job queued another way ends the same, said so.
  if (!item.unsupported_reason.empty()) return JobOutcome::done(0, item.unsupported_reason);

  // The team and target are looked up only when needed: an item with nothing to cut costs no
  // V7 call (unless its annotations have to be asked for).
  std::optional<v7::V7Result<std::string>> team;
  const auto resolve_team = [&] {
    if (!team) team = client_.team_slug(item.team_slug);
    return team->ok();
  };

  // Where the item's annotations were read from: the payload, or V7's answer below.
  std::string fetched_annotations;
  if (!item.annotations_included && item.shape == webhook::PayloadShape::darwin_v2) {
    // The stage sends no annotations (include_annotations off): ask V7 for them (one call).
    // Legacy payloads name no V7 item, so there is nothing to ask for.
    if (!resolve_team()) return from_v7_error("team", team->error());
    auto fetched = client_.item_annotations(**team, item.item_id, config_.max_annotations_bytes);
    if (!fetched) return from_v7_error("fetch annotations", fetched.error());
    webhook::PayloadParser parser;
    auto annotations = parser.parse_annotations_reply(*fetched);
    if (!annotations) {
      return JobOutcome::dead("annotations refused: " + annotations.error().reason);
    }
    item.annotations = std::move(annotations).value();
    item.annotations_included = true;
    fetched_annotations = std::move(fetched).value();
  }

  SlotSelection selection = select_slots(item, config_.tiles.patches.names);
  std::vector<patch::SkippedAnnotation> skipped = std::move(selection.skipped);
  if (selection.views.empty()) {
    JobOutcome done = JobOutcome::done(0, no_tiles_note(job, item, skipped));
    done.counts = queue::TileCounts{};
    return done;
  }

  if (!resolve_team()) return from_v7_error("team", team->error());
  const std::string wanted_target = job.target.empty() ? item.dataset_slug : job.target;
  auto target = client_.ensure_target(**team, wanted_target);
  if (!target) return from_v7_error("target", target.error());

  const std::vector<annotations::CarriedAnnotation> to_carry = annotations_to_carry(
      job,
      item.annotations_included && !fetched_annotations.empty() ? fetched_annotations : job.payload,
      item);
  std::string slot_of_tiles;  // the slot being cut, for the carried tiles
  std::vector<CarriedTile> carried_tiles;
  CutTally tally;
  // Each tile goes to the uploader the moment it is encoded: uploads overlap encoding. One
  // uploader serves every slot, so the item's tiles share batches and the budget.
  auto uploader = client_.start_upload(**team, *target);
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
    tally.add(upload.name);
    if (!to_carry.empty()) {
      const auto& r = tile.rect;
      carried_tiles.push_back(
          {upload.name, upload.path,
           annotations::TileRect{static_cast<double>(r.x), static_cast<double>(r.y),
                                 static_cast<double>(r.right()), static_cast<double>(r.bottom())},
           slot_of_tiles, v7::TileOutcome::failed, ""});
    }
    uploader->add(std::move(upload));
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
    slot_of_tiles = view.slot.slot_name;
    patch::TileResult tiled = patch::cut_tiles(view, *image, config_.tiles, sink,
                                               [&ctx] { return ctx.stop_requested(); });
    image->clear();
    image->shrink_to_fit();  // the source image is not needed while the last uploads finish
    if (tiled.timings.budget_wait_ms > 0) {
      ctx.record_stage("budget_wait", from_ms(tiled.timings.budget_wait_ms));
    }
    ctx.record_stage("decode", from_ms(tiled.timings.decode_ms));
    ctx.record_stage("tile", from_ms(tiled.timings.tile_ms));
    ctx.record_stage("encode", from_ms(tiled.timings.encode_ms));
    skipped.insert(skipped.end(), std::make_move_iterator(tiled.skipped.begin()),
                   std::make_move_iterator(tiled.skipped.end()));
    if (tiled.status == patch::TileStatus::cancelled) {
      failed = JobOutcome::retry("stopped while tiling", std::chrono::milliseconds(0));
      break;
    }
    if (tiled.status == patch::TileStatus::budget_timeout) {  // this process is busy: later
      failed = JobOutcome::retry("decode memory busy: " + tiled.error);
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
  if (auto error = report.job_error()) {
    // The target was deleted since it was looked up: the retry or next job looks again.
    if (error->http_status == 404) client_.forget_target(**team, *target);
    return from_v7_error("upload", *error);
  }
  if (!to_carry.empty()) {
    JobOutcome carried =
        carry_annotations(job, ctx, **team, *target, to_carry, std::move(carried_tiles), report);
    if (carried.kind != JobOutcome::Kind::done) return carried;
  }
  const auto delivered = static_cast<std::int64_t>(report.uploaded + report.already_existed);
  std::string note =
      delivered == 0 ? no_tiles_note(job, item, skipped) : patch::summarise_skips(skipped);
  JobOutcome done = JobOutcome::done(delivered, std::move(note));
  queue::TileCounts counts;
  counts.uploaded = static_cast<std::int64_t>(report.uploaded);
  counts.already = static_cast<std::int64_t>(report.already_existed);
  if (ledger_) {
    counts.superseded = ledger_->record(item_identity(**team, *target, item), tally);
  }
  done.counts = counts;
  return done;
}

}  // namespace patchq::patchjob
