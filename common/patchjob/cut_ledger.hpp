// CutLedger: which box keys each patch annotation of an item was last cut with, so a job can
// say how many tiles of an earlier cut its own cut replaces ("superseded": the annotator moved
// or resized the box, so the new tiles have other names and the old ones stay in the dataset).
// A cut is the tiles of one (tile stem, annotation id): the tile name minus its box key and
// grid position. Only cuts patchq recorded are known: tiles made before the ledger existed, by
// another Redis, or more than kCutLedgerTtl ago are not counted. It costs no V7 API call: one
// Redis script a done job.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/redis/redis_url.hpp"

namespace patchq::redis {
class SyncClient;
}

namespace patchq::patchjob {

inline constexpr std::chrono::hours kCutLedgerTtl{24 * 30};

// The tiles of one job by cut and box key: cut -> box key -> tiles.
class CutTally {
 public:
  // Counts a tile by its name (<stem>_<annotation-id>_<box-key>_r<row>c<col>.<ext>); a name
  // of another shape is not counted.
  void add(std::string_view tile_name);
  const std::map<std::string, std::map<std::string, std::int64_t>>& cuts() const { return cuts_; }

 private:
  std::map<std::string, std::map<std::string, std::int64_t>> cuts_;
};

class CutLedger {
 public:
  virtual ~CutLedger() = default;
  // Records `tally` as the latest cut of the item's annotations it names and returns the
  // tiles of their previous cuts under other box keys; nullopt when the ledger is unreachable.
  virtual std::optional<std::int64_t> record(std::string_view item_identity,
                                             const CutTally& tally) = 0;
};

class RedisCutLedger : public CutLedger {
 public:
  struct Options {
    redis::RedisEndpoint endpoint;
    std::string key_prefix = "patchq:";
    std::chrono::milliseconds redis_timeout{1000};
  };
  explicit RedisCutLedger(Options options);
  ~RedisCutLedger() override;
  std::optional<std::int64_t> record(std::string_view item_identity,
                                     const CutTally& tally) override;

 private:
  Options options_;
  std::mutex mutex_;  // guards client_
  std::unique_ptr<redis::SyncClient> client_;
};

}  // namespace patchq::patchjob
