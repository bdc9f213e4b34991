// EnqueueScript: how webhook deliveries become jobs, several at a time, in one atomic Redis
// transaction:
//   MULTI
//   HSET <p>job:<id> payload .. target .. item_id .. delivery_id .. received_at ..
//        status queued attempts 0 updated_at ..                      (one per job)
//   EVAL <enqueue script> (one call for the whole batch)
//   EXEC
// The script then decides each job in order: a delivery seen within the dedup window answers
// with its original job id; a job to skip (a delivery patchq cannot cut) keeps its record
// (status skipped, with the reason as `note`, the done TTL) and the dedup key, but gets no
// stream entry; a queue at its length limit answers "full"; for duplicates and "full" the
// record written just before is deleted again. Otherwise it adds the stream entry and
// remembers the delivery for 24 h. This is the one place a job record is
// written; JobQueue::enqueue (patchqctl, tests) runs it too. Record fields and keys:
// key_schema.hpp.
//
// Why the HSETs sit outside the script: the payload (~2 KiB and up) then never passes through
// Lua, and one script call serves a whole batch. Measured with callgrind on redis-server 7.0
// (3000 jobs, 2 KiB payload, AOF on): one EVAL per job with the payload as an argument cost
// ~161k instructions a job; this transaction with 16 jobs ~94k.
//
// Invariants:
//   - Each job's record, stream entry and dedup key are written together or not at all, and
//     no client sees the record of a duplicate or refused job (MULTI/EXEC is atomic; EVAL, not
//     EVALSHA, so a flushed script cache cannot leave records behind without their script).
//   - "queued" means Redis executed the XADD; the caller acknowledges only then.
//   - The queue-length check is O(1) (XLEN: entries leave the stream when their job does).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/queue/key_schema.hpp"
#include "common/redis/redis_value.hpp"

namespace patchq::redis {
class AsyncClient;
class SyncClient;
}  // namespace patchq::redis

namespace patchq::queue {

struct EnqueueRequest {
  std::string job_id;       // fresh, unique across receivers (a UUIDv7)
  std::string payload;      // the webhook body, stored as received
  std::string target;       // target dataset slug
  std::string item_id;      // V7 item id
  std::string delivery_id;  // the webhook-id header when sent, else the delivery hash
  std::string dedup_hash;   // names the dedup key; equal for repeated deliveries
  std::int64_t received_at_ms = 0;
  // Set for a delivery patchq cannot cut (no image slot): the record is written with status
  // "skipped" and this as its note, and no stream entry (nothing for a worker to do).
  std::string skip_reason;
};

// Applies to every job of a batch.
struct EnqueuePolicy {
  std::uint64_t max_queue = 0;  // "full" while XLEN(jobs) >= this; 0 = no limit
  std::chrono::seconds dedup_ttl{24 * 3600};
  // Lifetime of a skipped job's record (like a done one's); 0 = no expiry.
  std::chrono::milliseconds skipped_ttl{7LL * 24 * 3600 * 1000};
};

enum class EnqueueStatus {
  queued,       // written; job_id is the new job
  skipped,      // recorded as skipped (with its note), not queued; job_id is the new job
  duplicate,    // seen within the dedup window; job_id is the original job, nothing written
  full,         // the queue is at max_queue; nothing written
  unavailable,  // no reply from Redis (not connected, connection lost); may or may not be written
  refused,      // Redis answered with an error (OOM, READONLY, ...); nothing written
};

struct EnqueueOutcome {
  EnqueueStatus status = EnqueueStatus::unavailable;
  std::string job_id;
  std::string reason;  // for full/unavailable/refused: what went wrong, for logs
};

// The transaction's commands between MULTI and EXEC, for `requests` in order. Moves the
// payloads out of `requests`.
std::vector<std::vector<std::string>> build_enqueue_transaction(
    const KeySchema& keys, std::vector<EnqueueRequest>& requests, const EnqueuePolicy& policy);

// EXEC's reply for a batch of `jobs` jobs as one outcome per job, in order (all refused, with
// the reason, for an error reply or an unexpected shape).
std::vector<EnqueueOutcome> parse_enqueue_transaction_reply(const redis::RedisValue& exec_reply,
                                                            std::size_t jobs);

// Runs one batch on the async client; `done` is called once, on the client's strand, with one
// outcome per request (all unavailable when no reply came).
void enqueue_async(redis::AsyncClient& client, const KeySchema& keys,
                   std::vector<EnqueueRequest> requests, const EnqueuePolicy& policy,
                   std::function<void(std::vector<EnqueueOutcome>)> done);

// Runs one job on a blocking client (tools, tests). Throws redis::ConnectionError when Redis
// is unreachable.
EnqueueOutcome enqueue_sync(redis::SyncClient& client, const KeySchema& keys,
                            EnqueueRequest request, const EnqueuePolicy& policy = {});

}  // namespace patchq::queue
