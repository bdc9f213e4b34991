#include "common/patchjob/annotation_carrier.hpp"

#include <algorithm>
#include <thread>

#include "common/annotations/darwin_json.hpp"
#include "common/obs/log.hpp"
#include "common/retry/backoff.hpp"

namespace patchq::patchjob {
namespace {

using annotations::CarriedAnnotation;

bool delivered(const CarriedTile& tile) {
  return tile.outcome == v7::TileOutcome::uploaded ||
         tile.outcome == v7::TileOutcome::already_existed;
}

std::string stem_of(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

v7::V7Error for_tile(const std::string& name, v7::V7Error error) {
  error.reason = "tile " + name + ": " + error.reason;
  return error;
}

bool knows_all(const annotations::ClassIds& classes, const std::vector<CarriedAnnotation>& list) {
  for (const auto& a : list) {
    if (!classes.contains(std::make_pair(std::string(annotations::shape_name(a.kind)), a.name))) {
      return false;
    }
  }
  return true;
}

}  // namespace

AnnotationCarrier::AnnotationCarrier(const v7::V7ClientConfig& config, v7::RateLimiter* limiter,
                                     const storage::ObjectStore* store)
    : api_(config, limiter), http_(api_.http_options()), store_(store) {}

v7::V7Status AnnotationCarrier::refresh_classes(const std::string& team) {
  auto listed = api_.annotation_classes(http_, team);
  if (!listed) return listed.error();
  annotations::ClassIds ids;
  for (const auto& c : *listed) {
    for (const auto& type : c.annotation_types) ids.emplace(std::make_pair(type, c.name), c.id);
  }
  classes_ = std::move(ids);
  classes_team_ = team;
  classes_at_ = std::chrono::steady_clock::now();
  return v7::success();
}

v7::V7Status AnnotationCarrier::write_file(const std::string& dataset, const CarriedTile& tile,
                                           const std::string& json) {
  const std::string key =
      store_->storage_key(v7::storage_object_name(dataset, stem_of(tile.name) + ".json"));
  const retry::BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::seconds(5)};
  for (int attempt = 0;; ++attempt) {
    auto put = store_->put(http_, key, json, "application/json");
    if (put) return v7::success();
    std::string reason = "tile " + tile.name + ": annotation file: " + put.error().reason;
    if (!put.error().retryable()) {
      return v7::V7Error::permanent(std::move(reason), put.error().http_status);
    }
    if (attempt + 1 >= 3) {
      return v7::V7Error::retryable_error(std::move(reason), put.error().http_status);
    }
    std::this_thread::sleep_for(
        retry::backoff_delay(backoff, attempt, std::nullopt, retry::thread_rng()));
  }
}

v7::V7Result<CarryReport> AnnotationCarrier::carry(const std::string& team,
                                                   const std::string& dataset,
                                                   const std::vector<CarriedAnnotation>& source,
                                                   const std::vector<CarriedTile>& tiles,
                                                   const std::function<bool()>& stop) {
  CarryReport report;
  if (source.empty()) return report;
  struct Pending {
    const CarriedTile* tile;
    std::vector<CarriedAnnotation> annotations;
  };
  std::vector<Pending> pending;
  for (const CarriedTile& tile : tiles) {
    if (!delivered(tile)) continue;
    auto clipped = annotations::annotations_for_tile(source, tile.rect, tile.name);
    if (clipped.empty()) continue;
    ++report.tiles_with_annotations;
    if (store_ != nullptr) {
      const annotations::TileItem item{tile.name, tile.path,
                                       static_cast<std::int64_t>(tile.rect.x1 - tile.rect.x0),
                                       static_cast<std::int64_t>(tile.rect.y1 - tile.rect.y0)};
      if (auto written = write_file(dataset, tile, annotations::tile_darwin_json(item, clipped));
          !written) {
        return written.error();
      }
      ++report.files_written;
    }
    if (tile.item_id.empty()) {
      ++report.without_item_id;
      continue;
    }
    pending.push_back({&tile, std::move(clipped)});
  }
  if (pending.empty()) return report;

  const bool stale = !classes_ || classes_team_ != team ||
                     std::chrono::steady_clock::now() - classes_at_ > kClassListTtl;
  bool fetched = false;
  if (stale) {
    if (auto refreshed = refresh_classes(team); !refreshed) return refreshed.error();
    fetched = true;
  }
  for (const Pending& p : pending) {
    // A class made since the list was read: read it again, once a job.
    if (!fetched && !knows_all(*classes_, p.annotations)) {
      if (auto refreshed = refresh_classes(team); !refreshed) return refreshed.error();
      fetched = true;
    }
    if (stop && stop()) return v7::V7Error::retryable_error("stopped while importing annotations");
    const annotations::ImportBody body = annotations::import_body(p.annotations, *classes_, true);
    for (const auto& missing : body.missing_classes) {
      if (std::find(report.missing_classes.begin(), report.missing_classes.end(), missing) ==
          report.missing_classes.end()) {
        report.missing_classes.push_back(missing);
      }
    }
    if (body.annotations == 0) continue;
    if (auto imported = api_.import_annotations(http_, team, p.tile->item_id, body.json);
        !imported) {
      return for_tile(p.tile->name, imported.error());
    }
    ++report.import_calls;
    report.annotations += body.annotations;
  }
  return report;
}

}  // namespace patchq::patchjob
