// TileUploader: uploads one job's tiles to a target dataset while the job is still producing
// them. add() hands a tile over and returns at once; uploads run on the V7 client's
// TransferPool (--upload-concurrency threads, connections kept open), so encoding and uploading
// overlap. finish() waits for every tile and reports on each.
//
// Every V7 API call counts against a budget of 1000 a minute for the whole fleet, so each mode
// is built to spend as few calls per tile as it can:
// Direct mode (default): direct_upload with base64 bodies. Calls are filled: a call leaves only
// when the next tile would push the whole request (JSON included) over V7's 30 MB limit, or
// when finish() says no more tiles come; then it takes every waiting tile that fits. A job's
// tiles cost ceil(job bytes / 30 MB) calls, e.g. 1 call for 20 tiles of 1 MB. One call per
// batch makes it atomic per tile: V7 stored the file or it did not. A tile too large for a call
// of its own goes the register way, automatically. With a DirectUploadDesk, the job's last,
// partly filled call is shared with other jobs of the process that finish meanwhile.
// Storage mode (--storage-url): each tile (and, for read-only storage, its thumbnail) is PUT to
// the customer's bucket under a deterministic key, then registered with register_existing(_
// readonly) in batches of up to 100 tiles (V7's limit), the last when finish() has every PUT
// done. A batch goes to the sink's ExistingRegistrar: without one, one call per batch; the
// worker's RegistrationDesk shares calls with other jobs of the fleet (calls carry up to 100
// tiles of any job; V7 allows 100 such calls a minute per key), so a batch may be registered
// in calls made by other workers. A re-run rewrites the same objects and V7 blocks the names it
// has (ALREADY_EXISTS).
// Register mode: register_upload in batches of <= 500, then per tile sign, PUT to the
// presigned URL, confirm (~2 calls a tile). Registration is group-committed: one register call
// is in flight at a time and takes every tile that arrived meanwhile.
//
// Idempotency: a tile V7 reports as blocked with ALREADY_EXISTS (compared case-insensitively)
// counts as uploaded (a re-run of a job uploads nothing twice) and is never signed or PUT
// again: whether V7 refuses a second sign of a confirmed upload or signs it (and lets a PUT
// overwrite the file) is undocumented. Any other blocked reason is a permanent failure of that
// tile carrying the reason. One exception closes a hole in the register way: an earlier run
// may have died between register and confirm, leaving an empty item. The uploader records each
// upload it registered in the UploadJournal before signing it and closes the record after the
// confirm; a blocked tile whose open record names the same upload (or the blocked entry names
// none) is patchq's own unfinished upload: sign it again -> PUT + confirm -> uploaded (counted
// as resumed), or V7 refusing (404/409/410/422: nothing left to upload) -> already_existed.
// Without a journal, or without an open record, nothing is resumed.
// Invariants: each added tile gets exactly one TileResult; results keep add() order; tile
// bytes are released as soon as their transfer ends; the uploader outlives its tasks
// (finish() and the destructor wait for them).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/net/transfer_pool.hpp"
#include "common/retry/backoff.hpp"
#include "common/storage/object_store.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/direct_upload_desk.hpp"
#include "common/v7/existing_registrar.hpp"
#include "common/v7/upload_journal.hpp"
#include "common/v7/v7_api.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

struct Tile {
  std::string name;                  // item name in the dataset, e.g. "cars_<id>_r0c1.png"
  std::vector<unsigned char> bytes;  // encoded image, as the encoder produced it (never copied)
  std::string path = "/";
  std::vector<unsigned char> thumbnail{};  // JPEG; read-only storage only
  int width = 0;                           // pixels; read-only storage only
  int height = 0;
  std::vector<std::string> tags{};  // item tags in V7 (provenance), sent at registration

  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
};

// Bytes for a Tile from text (tests and tools).
inline std::vector<unsigned char> tile_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

enum class TileOutcome { uploaded, already_existed, failed };
std::string_view to_string(TileOutcome outcome);

struct TileResult {
  std::string name;
  TileOutcome outcome = TileOutcome::failed;
  std::optional<V7Error> error;  // set when failed
  // V7's item id from the registration answer (items[].id, or blocked_items[].id for
  // ALREADY_EXISTS); empty when the answer did not carry one.
  std::string item_id;
};

struct UploadReport {
  std::vector<TileResult> tiles;  // in add() order
  std::size_t uploaded = 0;
  std::size_t already_existed = 0;
  std::size_t failed = 0;
  std::size_t resumed = 0;         // of `uploaded`: registered by an earlier run, finished now
  std::size_t registered_way = 0;  // tiles sent by register/sign/PUT/confirm (direct: oversize)
  std::uint64_t bytes_sent = 0;    // tile bytes V7 accepted in this run
  std::chrono::milliseconds elapsed{0};

  // What the job should end with: nullopt when every tile is uploaded or already existed;
  // a retryable error when any failure is retryable (a re-run is idempotent and may finish
  // the rest); otherwise the first permanent failure.
  std::optional<V7Error> job_error() const;
};

// Where storage mode writes: the customer's bucket, and its name in V7's settings.
struct StorageSink {
  const storage::ObjectStore* store = nullptr;  // not owned; outlives the uploader
  std::string slug;
  bool readonly = false;  // register_existing_readonly, with a thumbnail per tile
  std::size_t register_batch = 100;
  // Who makes the register calls (not owned; outlives the uploader): null = one call per
  // batch of this job; a RegistrationDesk shares calls with other jobs of the fleet.
  ExistingRegistrar* registrar = nullptr;
};

// The object names a tile gets in storage mode, before the store's prefix: the target dataset
// and the tile's name, so a re-run writes the same objects.
std::string storage_object_name(std::string_view dataset, std::string_view tile_name);
std::string storage_thumbnail_name(std::string_view dataset, std::string_view tile_name);

struct UploadTuning {
  UploadMode mode = UploadMode::direct;
  std::size_t register_batch = 500;
  std::uint64_t direct_call_bytes = 30'000'000;  // the whole request: JSON and base64
  std::size_t direct_call_items = kDirectUploadItemsPerCall;
  std::size_t direct_calls_in_flight = 4;
  // Where a job's last, partly filled direct call goes (not owned; may be null: the job sends
  // it alone): a desk the process's jobs share, so jobs finishing together share a call.
  DirectUploadDesk* direct_desk = nullptr;
  StorageSink storage;  // used in UploadMode::storage
  // The register way's record of its own unconfirmed uploads (not owned; may be null: then a
  // blocked ALREADY_EXISTS tile is never resumed).
  UploadJournal* journal = nullptr;
  // Storage PUTs are tried like V7 calls: a few times in-process for transient failures.
  int storage_tries = 3;
  retry::BackoffPolicy storage_backoff{std::chrono::milliseconds(200), std::chrono::seconds(5)};
};

class TileUploader {
 public:
  TileUploader(const V7Api& api, net::TransferPool& pool, std::string team, std::string dataset,
               UploadTuning tuning);
  ~TileUploader();
  TileUploader(const TileUploader&) = delete;
  TileUploader& operator=(const TileUploader&) = delete;

  // Thread-safe; may start uploads before it returns. A second tile with the same name fails
  // at once (V7 item names are unique per folder).
  void add(Tile tile);
  // Waits for every added tile. Call once; add() after finish() is a broken invariant.
  UploadReport finish();

 private:
  struct Entry {
    Tile tile;
    TileResult result;
    std::size_t direct_bytes = 0;    // this tile's share of a direct_upload request
    std::uint64_t stored_bytes = 0;  // storage mode: bytes in the bucket (released after the PUT)
    bool done = false;
    bool resumed = false;
  };
  void submit(net::TransferPool::Task task);  // on the pool, under this job's share
  void dispatch();  // starts the calls the waiting tiles allow; mutex held
  void dispatch_register();
  void dispatch_direct();
  void dispatch_existing();
  void run_store(net::HttpClient& http, std::size_t index);
  storage::StorageStatus put_with_retries(net::HttpClient& http, const std::string& key,
                                          std::string_view bytes,
                                          std::string_view content_type) const;
  void run_register_existing(net::HttpClient& http, std::vector<std::size_t> batch);
  void apply_existing(const std::vector<std::size_t>& batch,
                      const std::vector<ItemRegistration>& answers);
  void complete(std::size_t index, TileOutcome outcome, std::optional<V7Error> error);
  void apply_registration(const std::vector<std::size_t>& batch,
                          const V7Result<RegisterResponse>& response, std::string_view call);
  void run_register(net::HttpClient& http, std::vector<std::size_t> batch);
  void run_direct(net::HttpClient& http, std::vector<std::size_t> batch, bool shared);
  void run_transfer(net::HttpClient& http, std::size_t index, std::string upload_id);
  void run_resume(net::HttpClient& http, std::size_t index, std::string blocked_upload_id);
  void finish_transfer(net::HttpClient& http, std::size_t index, const std::string& upload_id,
                       const std::string& upload_url);
  void task_done();  // mutex held

  const V7Api& api_;
  net::TransferPool& pool_;
  std::string share_;  // the rate limiter's share of the job that started this upload
  const std::string team_;
  const std::string dataset_;
  const UploadTuning tuning_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Entry> entries_;  // deque: references stay valid as tiles are added
  std::unordered_map<std::string, std::size_t> by_name_;
  std::vector<std::size_t> to_register_;  // waiting for a register_upload call
  std::deque<std::size_t> to_direct_;     // waiting for a direct_upload call
  std::vector<std::size_t> to_existing_;  // in the bucket, waiting for register_existing
  std::size_t storing_ = 0;               // storage PUTs in flight
  bool registering_existing_ = false;
  std::size_t direct_envelope_bytes_ = 0;
  std::size_t registered_way_ = 0;
  bool registering_ = false;
  std::size_t direct_in_flight_ = 0;
  std::size_t tasks_in_flight_ = 0;
  std::size_t done_count_ = 0;
  std::uint64_t bytes_sent_ = 0;
  bool finished_ = false;
};

}  // namespace patchq::v7
