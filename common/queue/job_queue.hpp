// JobQueue: every move a job makes through Redis while it can still run: enqueue, read, start,
// lease renewal and release, claiming expired leases, the three outcomes (complete, retry,
// bury), and the forwarder's step that brings due retries back to the stream.
// Key layout and record fields: common/queue/key_schema.hpp. Dead-letter tools:
// dead_letters.hpp; read-only views: job_record.hpp, queue_stats.hpp.
//
// Invariants kept here (each move is one Lua script, so no reader sees a half-done move):
//   - A job id sits in exactly one of {jobs stream, retry set, dead stream}.
//   - Only the consumer that owns a pending entry changes it: if the lease went to another
//     worker, renewals and outcomes are refused (false / nullopt) and nothing is acked; the
//     new owner's run decides.
//   - Nothing is acked before its outcome is written, in the same script.
// "now" inside scripts is Redis' clock (TIME), so every worker agrees on due times.
//
// Not thread-safe: one JobQueue per thread, over that thread's SyncClient. Redis being
// unreachable throws redis::ConnectionError; a reply error that means broken data or
// configuration throws QueueError.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/queue/job.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

class QueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a caller enqueues by hand (patchqctl, tests); the record fields are documented in
// key_schema.hpp. The job gets a fresh id.
struct JobSpec {
  std::string payload;
  std::string target;
  std::string item_id;
  std::string delivery_id;          // empty: "manual-<job id>"
  std::int64_t received_at_ms = 0;  // 0: now (this host's clock)
};

// A stream entry handed to a consumer, before its job record is read.
struct Delivery {
  std::string entry_id;
  std::string job_id;
  int attempt = 0;
  int deliveries = 1;  // the pending entry's delivery count, this delivery included
};

// The fields of `delivery` that identify a job for renewals and outcomes (no record fields).
Job job_of(const Delivery& delivery);

class JobQueue {
 public:
  JobQueue(redis::SyncClient& client, KeySchema keys);
  const KeySchema& keys() const { return keys_; }

  // Creates the consumer group (at id 0, creating the stream) when missing. Idempotent.
  void ensure_group();

  // Writes the job record and its stream entry through the receiver's enqueue transaction
  // (enqueue_script.hpp), under a fresh job id that also names its dedup key, so it is never
  // a duplicate. Returns the job id; throws QueueError when Redis refuses the job.
  std::string enqueue(const JobSpec& spec);

  // Waits up to `block` for an entry no consumer has seen and hands it to `consumer`.
  // nullopt when none came (or the group was missing and has just been created).
  std::optional<Delivery> read(const std::string& consumer, std::chrono::milliseconds block);

  // Claims for `consumer` one pending entry idle for at least `lease` (its worker died,
  // stalled or gave it up), scanning at most a few dozen pending entries from `cursor`, which
  // is advanced for the next call ("0-0" starts over).
  std::optional<Delivery> claim_expired(const std::string& consumer,
                                        std::chrono::milliseconds lease, std::string& cursor);

  // Starts a delivery `consumer` owns: record status running, worker, started_at, attempts;
  // returns the job with its record fields. nullopt when the entry is no longer ours, or when
  // its record is missing (the orphan entry is then acked and deleted: there is nothing to run).
  std::optional<Job> start(const Delivery& delivery, const std::string& consumer);

  // Resets the lease clock (idle time) of a job `consumer` owns. false: it no longer owns it.
  bool renew_lease(const Job& job, const std::string& consumer);
  // Gives up a job without an outcome (shutdown past its grace): the entry stays pending but
  // looks long idle, so the next reclaimer takes it at once. false: not owned any more.
  bool release_lease(const Job& job, const std::string& consumer);

  // Outcomes; each acks and deletes the stream entry. false / nullopt: the lease was lost
  // (or an earlier try of the same call already wrote it).
  // `note` (may be empty) goes into the record's "note" field (see key_schema.hpp).
  // `counts` (may be absent) go into tiles_new, tiles_already and tiles_superseded.
  bool complete(const Job& job, const std::string& consumer, std::int64_t tiles,
                std::chrono::milliseconds done_ttl, const std::string& note = {},
                const std::optional<TileCounts>& counts = std::nullopt);
  // Returns the due time (ms since epoch, Redis clock).
  std::optional<std::int64_t> schedule_retry(const Job& job, const std::string& consumer,
                                             std::chrono::milliseconds delay,
                                             const std::string& error);
  // Returns the dead letter's entry id.
  std::optional<std::string> bury(const Job& job, const std::string& consumer,
                                  const std::string& reason, const std::string& error);

  // Moves up to `limit` due retries back to the jobs stream; returns how many it looked at
  // (call again while that equals `limit`). Safe to run from any number of workers at once:
  // each due job moves exactly once.
  std::size_t forward_due_retries(std::size_t limit);

  // Deletes consumers that hold no pending entries and have been idle longer than `idle`
  // (workers that exited); returns how many. A live worker that reads again is recreated.
  std::size_t prune_idle_consumers(std::chrono::milliseconds idle);

 private:
  redis::RedisValue run(const redis::LuaScript& script, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args);

  redis::SyncClient& client_;
  KeySchema keys_;
};

}  // namespace patchq::queue
