#include "common/patchjob/annotation_carrier.hpp"

#include <algorithm>
#include <set>
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

// The annotations of `source` on `slot` (the first of slot_names counts, as for patches);
// every one for an empty slot name.
std::vector<CarriedAnnotation> on_slot(const std::vector<CarriedAnnotation>& source,
                                       const std::string& slot) {
  std::vector<CarriedAnnotation> out;
  for (const auto& a : source) {
    if (slot.empty() || a.slot_names.empty() || a.slot_names.front() == slot) out.push_back(a);
  }
  return out;
}

void add_once(std::vector<std::string>& list, const std::string& entry) {
  if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(entry);
}

}  // namespace

AnnotationCarrier::AnnotationCarrier(const v7::V7ClientConfig& config, v7::RateLimiter* limiter,
                                     const storage::ObjectStore* store,
                                     std::shared_ptr<CarriedClasses> classes)
    : api_(config, limiter),
      http_(api_.http_options()),
      store_(store),
      classes_(classes ? std::move(classes) : std::make_shared<CarriedClasses>()) {}

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
  std::map<std::string, std::vector<CarriedAnnotation>, std::less<>> by_slot;
  for (const CarriedTile& tile : tiles) {
    if (!delivered(tile)) continue;
    auto slot = by_slot.find(tile.slot_name);
    if (slot == by_slot.end()) {
      slot = by_slot.emplace(tile.slot_name, on_slot(source, tile.slot_name)).first;
    }
    auto clipped = annotations::annotations_for_tile(slot->second, tile.rect, tile.name);
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

  std::set<ClassKey> needed;
  bool with_attributes = false;
  for (const Pending& p : pending) {
    for (const auto& a : p.annotations) {
      needed.emplace(std::string(annotations::shape_name(a.kind)), a.name);
      with_attributes = with_attributes || !annotations::attribute_names(a).empty();
    }
  }
  ClassesReport classes;
  const auto prepared =
      classes_->prepare(api_, http_, team, dataset, needed, with_attributes, stop, classes);
  report.class_calls = classes.api_calls;
  report.classes_created = classes.created;
  for (const auto& refused : classes.refused) {
    obs::log_warn("annotation_class_not_created").field("dataset", dataset).field("why", refused);
  }
  if (!prepared) return prepared.error();
  for (const Pending& p : pending) {
    if (stop && stop()) return v7::V7Error::retryable_error("stopped while importing annotations");
    const annotations::ImportBody body =
        annotations::import_body(p.annotations, prepared->ids, prepared->attributes, true);
    for (const auto& missing : body.missing_classes) add_once(report.missing_classes, missing);
    for (const auto& missing : body.missing_attributes) {
      add_once(report.missing_attributes, missing);
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
