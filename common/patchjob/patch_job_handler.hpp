// PatchJobHandler: the worker's job handler — one webhook delivery in, tiles in V7 out.
//   parse payload -> (stage sent no annotations: fetch them from V7, one API call) -> nothing
//   to cut: done, no V7 lookup -> resolve team and target (cached per process) -> per image
//   slot with patches (slot_selection): fetch its image ->
//   decode once, cut and encode tiles (streamed) -> upload each tile as soon as it is
//   encoded -> outcome
// Outcome rules (the queue's retry policy decides what "retry" becomes):
//   - payload refused, image refused (format, pixel limit, undecodable), permanent V7 errors
//     (401/403/404/422, unknown target, blocked uploads other than ALREADY_EXISTS) -> dead
//   - network errors, 408/425/429/5xx from V7 -> retry, with V7's Retry-After when it sent one
//   - stop requested (shutdown or lost lease) -> retry "stopped", nothing acknowledged
//   - no patch annotations, or all skipped -> done with 0 tiles and a note in the record
//     (summarise_skips: counts per reason, first examples): valid input, not a failure
//   - an item without an image slot (normally recorded as skipped by the receiver) -> done, 0
//     tiles, its reason as the note
// Counts (record fields tiles_new / tiles_already / tiles_superseded): the uploader's
// uploaded and already_existed, and the CutLedger's tiles of earlier cuts this one replaces.
// Idempotency: tile names are deterministic and V7 answers ALREADY_EXISTS for a name it has,
// which the uploader counts as uploaded; a re-run after a crash uploads only what is missing.
#pragma once

#include <memory>

#include "common/patch/tiler.hpp"
#include "common/patchjob/annotation_carrier.hpp"
#include "common/patchjob/cut_ledger.hpp"
#include "common/patchjob/tile_provenance.hpp"
#include "common/queue/job.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_config.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/direct_upload_desk.hpp"
#include "common/v7/existing_registrar.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/upload_journal.hpp"
#include "common/v7/v7_client.hpp"
#include "common/v7/v7_lookups.hpp"
#include "common/webhook/item.hpp"

namespace patchq::patchjob {

struct PatchJobConfig {
  v7::V7ClientConfig v7;
  patch::TileOptions tiles;
  storage::StorageConfig storage;  // enabled(): tiles go to the customer's bucket (storage mode)
  ProvenanceOptions provenance;    // each tile's folder path and tags in the target dataset
  // --carry-annotations: the item's other annotations, clipped, go onto each tile
  // (annotation_carrier.hpp).
  bool carry_annotations = false;
  // Largest answer accepted from V7's item annotations endpoint (the receiver's body limit).
  std::uint64_t max_annotations_bytes = 32ull << 20;
};

// What a worker process's handlers share across their jobs (thread-safe): V7 answers they
// reuse, and the desk their direct_upload calls meet at.
struct ProcessShared {
  std::shared_ptr<v7::V7Lookups> v7;        // team and target datasets
  std::shared_ptr<CarriedClasses> classes;  // --carry-annotations: classes and attributes
  std::shared_ptr<v7::DirectUploadDesk> direct_uploads;  // direct mode: jobs share last calls
};

// Longer side of the thumbnails patchq makes for read-only storage (V7 makes none there).
inline constexpr int kThumbnailMaxSide = 256;

class PatchJobHandler {
 public:
  // `limiter` may be null (no fleet-wide rate limit); `registration_limiter` (may be null)
  // paces storage mode's register_existing calls; `registrar` (may be null: one call per job)
  // makes them, e.g. a RegistrationDesk sharing calls across the fleet's jobs; `journal` (may
  // be null: nothing is resumed) records the register way's unconfirmed uploads; `ledger`
  // (may be null: superseded tiles are not counted) remembers each item's cuts; `shared` (its
  // parts may be null: the handler's own) are the process's, shared by its handlers. Throws
  // std::invalid_argument when the storage configuration cannot be opened (validate it first).
  PatchJobHandler(PatchJobConfig config, std::shared_ptr<v7::RateLimiter> limiter,
                  std::shared_ptr<v7::RateLimiter> registration_limiter = nullptr,
                  std::shared_ptr<v7::ExistingRegistrar> registrar = nullptr,
                  std::shared_ptr<v7::UploadJournal> journal = nullptr,
                  std::shared_ptr<CutLedger> ledger = nullptr, ProcessShared shared = {});

  queue::JobOutcome handle(const queue::Job& job, queue::JobContext& ctx);

 private:
  // The item's annotations to carry into its tiles (empty unless --carry-annotations), read
  // from `annotations_json` (the payload, or V7's answer when the stage sent none), every
  // slot's; each names its slot.
  std::vector<annotations::CarriedAnnotation> annotations_to_carry(
      const queue::Job& job, std::string_view annotations_json, const webhook::Item& item) const;
  queue::JobOutcome carry_annotations(const queue::Job& job, queue::JobContext& ctx,
                                      const std::string& team, const std::string& target,
                                      const std::vector<annotations::CarriedAnnotation>& source,
                                      std::vector<CarriedTile> tiles,
                                      const v7::UploadReport& report);

  PatchJobConfig config_;
  std::shared_ptr<v7::ExistingRegistrar> registrar_;
  std::shared_ptr<v7::UploadJournal> journal_;
  std::shared_ptr<CutLedger> ledger_;
  std::unique_ptr<storage::ObjectStore> store_;  // storage mode only
  v7::V7Client client_;
  std::shared_ptr<v7::RateLimiter> limiter_;
  std::unique_ptr<AnnotationCarrier> carrier_;  // --carry-annotations only
};

}  // namespace patchq::patchjob
