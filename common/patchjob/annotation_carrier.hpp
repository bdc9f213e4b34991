// AnnotationCarrier: --carry-annotations. After a job's tiles are in V7, every other
// annotation of the item that overlaps a tile is clipped to it (common/annotations) and
// imported onto the tile's item: one POST .../items/{item_id}/import per tile that has any,
// none for a tile with nothing on it, plus the class work of annotation_carrier_classes.hpp
// (the team's class list, cached a minute; one call per class it has to create; the
// dataset's attributes when annotations carry some), all through V7Api (fleet rate limiter,
// in-call retries, error classes).
// In storage mode each such tile also gets its Darwin JSON 2.0 file beside it in the bucket
// ("<dataset>/<tile stem>.json"), written before any import (no API call), for darwin-py.
// Idempotent: ids, bodies and files are the same on every run, and the import replaces the
// tile item's annotations ("overwrite": "true"), so a re-run after a failure re-imports
// without duplicates. Tiles that failed to upload, or whose item id V7 did not give, are not
// imported (counted).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/annotations/shape.hpp"
#include "common/annotations/tile_clip.hpp"
#include "common/net/http_client.hpp"
#include "common/patchjob/annotation_carrier_classes.hpp"
#include "common/storage/object_store.hpp"
#include "common/v7/api_messages.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/tile_uploader.hpp"
#include "common/v7/v7_api.hpp"

namespace patchq::patchjob {

// One tile as it was cut and as the uploader reported it.
struct CarriedTile {
  std::string name;
  std::string path = "/";
  annotations::TileRect rect;  // in the item's pixels
  std::string slot_name;       // the slot it was cut from; empty: the item's only image
  v7::TileOutcome outcome = v7::TileOutcome::failed;
  std::string item_id;
};

struct CarryReport {
  std::size_t tiles_with_annotations = 0;
  std::size_t annotations = 0;                  // imported, over all tiles
  std::size_t import_calls = 0;                 // tiles imported (one call each)
  std::size_t files_written = 0;                // storage mode
  std::size_t without_item_id = 0;              // uploaded, but V7's answer named no item id
  std::size_t class_calls = 0;                  // class list, types, datasets, creations
  std::vector<std::string> classes_created;     // "<shape>:<name>"
  std::vector<std::string> missing_classes;     // "<shape>:<name>" V7 would not create
  std::vector<std::string> missing_attributes;  // "<class>:<attribute>" the dataset lacks
};

class AnnotationCarrier {
 public:
  // `limiter` may be null; `store` (may be null) is storage mode's bucket. Both outlive this.
  // `classes` (may be null: this carrier's own) is the process's class cache, shared by lanes.
  AnnotationCarrier(const v7::V7ClientConfig& config, v7::RateLimiter* limiter,
                    const storage::ObjectStore* store,
                    std::shared_ptr<CarriedClasses> classes = nullptr);

  // `source`: the item's carried annotations (read_annotations), each naming its slot; a tile
  // gets those of its slot (and those naming none). `stop` is asked between
  // calls; when it says stop, the result is a retryable "stopped" error.
  v7::V7Result<CarryReport> carry(const std::string& team, const std::string& dataset,
                                  const std::vector<annotations::CarriedAnnotation>& source,
                                  const std::vector<CarriedTile>& tiles,
                                  const std::function<bool()>& stop);

 private:
  v7::V7Status write_file(const std::string& dataset, const CarriedTile& tile,
                          const std::string& json);

  v7::V7Api api_;
  net::HttpClient http_;
  const storage::ObjectStore* store_;
  std::shared_ptr<CarriedClasses> classes_;
};

}  // namespace patchq::patchjob
