// BackfillCursor: how far `patchqctl enqueue-export` got through one export for one target,
// kept in Redis beside the jobs (keys in key_schema.hpp), so that a run after an interruption,
// from this host or another, goes on where the last one stopped.
//
// Entries of an export are handled in name order; the cursor is the last entry handled
// (enqueued, found a duplicate, or reported bad). Entries left for lack of an image URL sit in
// a set of their own and are tried again by every later run until they are enqueued.
//
// Invariants:
//   - Enqueueing an entry's job and moving the cursor past it are one MULTI/EXEC, so an
//     interruption at any point neither loses an entry nor enqueues one twice; the job itself
//     is written by the receiver's enqueue transaction (enqueue_script.hpp), dedup included.
//   - Backfill jobs have no queue-length limit inside the transaction (a "full" answer would
//     move the cursor past a job that was not written); the caller paces itself instead.
//   - Both keys expire 30 days after the last step.
// Not thread-safe; Redis unreachable throws redis::ConnectionError.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/queue/enqueue_script.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

inline constexpr std::chrono::seconds kBackfillCursorTtl{30 * 24 * 3600};

struct BackfillState {
  bool exists = false;
  std::string cursor;  // last entry handled in name order; empty: none yet
  std::int64_t handled = 0;
  std::int64_t bad = 0;  // entries reported bad, over all runs
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;      // 0 while not finished
  std::vector<std::string> unresolved;  // entries still waiting for an image URL, sorted
};

class BackfillCursor {
 public:
  // `run_id` names this export and target (run_id()).
  BackfillCursor(redis::SyncClient& client, KeySchema keys, std::string run_id);

  // 32 hex digits of SHA-256 over the export's identity and the target.
  static std::string run_id(std::string_view export_identity, std::string_view target);

  BackfillState load();
  // Records what this run works on (and when the first run started).
  void begin(std::string_view export_label, std::string_view target, std::int64_t entries);

  // Enqueues `job` and marks `entry` handled: out of the unresolved set, and the cursor moved
  // to it when `advance` (false for an entry behind the cursor, from the unresolved set).
  EnqueueOutcome enqueue(EnqueueRequest job, std::string_view entry, bool advance);
  // Marks `entry` handled without a job: a bad file (counted), never tried again.
  void mark_bad(std::string_view entry, bool advance);
  // Leaves `entry` for a later run: into the unresolved set; the cursor moves on past it.
  void mark_unresolved(std::string_view entry, bool advance);
  // Every entry was looked at (some may still be unresolved).
  void finish();
  // Forgets this export's progress (--restart).
  void reset();

 private:
  std::vector<std::string> cursor_step(std::string_view entry, bool advance) const;
  std::vector<std::vector<std::string>> expiries() const;
  void run_transaction(std::vector<std::vector<std::string>> commands);

  redis::SyncClient& client_;
  KeySchema keys_;
  std::string run_id_;
};

}  // namespace patchq::queue
