// KeySchema: every Redis key and field patchq uses, in one place (see docs/ARCHITECTURE.md).
// All keys share one prefix (default "patchq:"; use "{patchq}:" on Redis Cluster so that every
// Lua script touches one hash slot).
//
//   <p>jobs            stream, consumer group "workers"; an entry carries the job id only:
//                      fields  job_id, attempt
//   <p>job:<job_id>    hash, the job record and the one copy of the webhook payload:
//                      payload (a zstd frame of the JSON body, payload_codec.hpp; plain
//                      JSON is accepted too), target, item_id, delivery_id, received_at (ms),
//                      status (queued|running|retrying|done|dead|skipped), attempts,
//                      tiles, error, note, worker, updated_at (ms); on done, when counted:
//                      tiles_new, tiles_already, tiles_superseded (queue::TileCounts). `note`: for
//                      skipped, why patchq cannot cut the item; for done, a summary of the patch
//                      annotations it skipped (counts per reason, first examples). No TTL while the
//                      job can still run; set to the done-TTL on done; dead records stay until
//                      `patchqctl dead purge`. Written by the worker as the job moves: started_at,
//                      finished_at (ms), next_attempt_at (ms, while retrying), dead_id (its entry
//                      in <p>dead, while dead). Enqueue writes exactly: payload, target, item_id,
//                      delivery_id, received_at, status=queued, attempts=0, updated_at (a skipped
//                      delivery: status=skipped plus note and finished_at, with the done
//                      TTL and no stream entry), all in
//                      build_enqueue_transaction (enqueue_script.hpp), the one writer.
//                      "attempts" counts attempts started: a run of stream attempt a sets it
//                      to a+1; the retry forwarder re-adds the job with attempt = attempts.
//   <p>retry           sorted set: member job_id, score = due time (ms since epoch, Redis clock)
//   <p>dead            stream of dead letters: job_id, reason, attempts, error, dead_at
//                      reason: permanent | attempts_exhausted | poison
//   <p>dedup:<hash>    string job_id, EX 24 h: a delivery seen again answers with its job
//   <p>stats:done      integer, jobs completed since the queue was created (INCR on done)
//   <p>stats:skipped   integer, deliveries recorded as skipped (nothing to cut), INCR'd by the
//                      enqueue script; kept apart because skipped records expire
//   <p>stats:minute:<m> hash per minute m (ms since epoch / 60000, Redis clock): done, retry,
//                      dead, tiles (job outcomes, counted by the outcome scripts) and v7_calls
//                      (the fleet rate limiter's reservations); expires after an hour.
//   <p>v7buckets       sorted set: the fleet rate limiter's bucket keys by last use (ms), so
//                      the status snapshot finds the buckets without scanning keys.
//   <p>cuts:<hash>     hash per item of a target dataset: field <tile stem>_<annotation id>,
//                      value "<box key>:<tiles>,..." of the latest cut (cut_ledger.hpp),
//                      TTL 30 days, renewed by every cut
//   <p>backfill:<id>   hash, the resumable cursor of `patchqctl enqueue-export` for one
//                      export and target (backfill_cursor.hpp): cursor, counts, times; TTL
//                      30 days, renewed on every step
//   <p>backfill:<id>:unresolved  set of export entries left for lack of an image URL
//
// Why the worker-written fields exist: `patchqctl dead retry <id>` finds a job's dead letter
// without scanning the dead stream inside a Lua script (dead_id); `patchqctl stats` reports
// done jobs although done records expire (stats:done); and the record is the per-job
// timeline an operator reads (started_at, finished_at, next_attempt_at).
//
// The consumer group is created at id 0 (not $), so entries added before the first worker
// started are still delivered; entries are XDELeted when their job leaves the stream, so
// XLEN(jobs) = undelivered + pending.
//
// Invariant: a job id is in at most one of {jobs stream (pending or not), retry set, dead
// stream} at any time, and its hash exists while it is in any of them.
#pragma once

#include <string>
#include <string_view>

namespace patchq::queue {

inline constexpr std::string_view kDefaultPrefix = "patchq:";
inline constexpr std::string_view kConsumerGroup = "workers";
// How long a per-minute counter hash lives: the status page charts the last 15 minutes.
inline constexpr int kMinuteCounterTtlSeconds = 3600;

// Job record statuses, as stored in the hash's "status" field.
namespace status {
inline constexpr std::string_view queued = "queued";
inline constexpr std::string_view running = "running";
inline constexpr std::string_view retrying = "retrying";
inline constexpr std::string_view done = "done";
inline constexpr std::string_view dead = "dead";
// Recorded by the receiver for a delivery patchq cannot cut (no image slot), never queued.
inline constexpr std::string_view skipped = "skipped";
}  // namespace status

class KeySchema {
 public:
  explicit KeySchema(std::string prefix = std::string(kDefaultPrefix))
      : prefix_(std::move(prefix)) {}
  const std::string& prefix() const { return prefix_; }
  std::string jobs_stream() const { return prefix_ + "jobs"; }
  std::string job_record(std::string_view job_id) const {
    return prefix_ + "job:" + std::string(job_id);
  }
  // Prefix of all job records, for scripts that build the key from a job id.
  std::string job_record_prefix() const { return prefix_ + "job:"; }
  std::string retry_set() const { return prefix_ + "retry"; }
  std::string dead_stream() const { return prefix_ + "dead"; }
  std::string dedup(std::string_view delivery_hash) const {
    return prefix_ + "dedup:" + std::string(delivery_hash);
  }
  std::string done_counter() const { return prefix_ + "stats:done"; }
  std::string skipped_counter() const { return prefix_ + "stats:skipped"; }
  // Per-minute counters: this prefix followed by the minute number (see above).
  std::string minute_counters_prefix() const { return prefix_ + "stats:minute:"; }
  std::string v7_bucket_index() const { return prefix_ + "v7buckets"; }
  std::string cut_ledger(std::string_view item_hash) const {
    return prefix_ + "cuts:" + std::string(item_hash);
  }
  std::string backfill(std::string_view run_id) const {
    return prefix_ + "backfill:" + std::string(run_id);
  }
  std::string backfill_unresolved(std::string_view run_id) const {
    return backfill(run_id) + ":unresolved";
  }

 private:
  std::string prefix_;
};

}  // namespace patchq::queue
