// EnqueueScript: how the receiver puts one webhook delivery into the queue, in one atomic Lua
// script: answer a repeated delivery with its original job, refuse when the queue is full, else
// write the job record and its stream entry and remember the delivery for 24 h.
// Record fields and keys: key_schema.hpp (the same fields JobQueue::enqueue writes for
// patchqctl). The pure halves (argument builder, reply parser) are separate from the calls that
// run the script so they can be tested without Redis.
//
// Invariants:
//   - The record, the stream entry and the dedup key are written together or not at all
//     (a Lua script runs atomically; the first write is the one that can be refused).
//   - A "queued" result means Redis executed the XADD; the caller acknowledges only then.
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

// The script, for preloading on connect (AsyncClient::Options::preload).
const redis::LuaScript& enqueue_script();

struct EnqueueRequest {
  std::string job_id;       // fresh, unique across receivers (a UUIDv7)
  std::string payload;      // the webhook body, stored as received
  std::string target;       // target dataset slug
  std::string item_id;      // V7 item id
  std::string delivery_id;  // the webhook-id header when sent, else the delivery hash
  std::string dedup_hash;   // names the dedup key; equal for repeated deliveries
  std::int64_t received_at_ms = 0;
  std::uint64_t max_queue = 0;  // refuse when XLEN(jobs) >= this; 0 = no limit
  std::chrono::seconds dedup_ttl{24 * 3600};
};

enum class EnqueueStatus {
  queued,       // written; job_id is the new job
  duplicate,    // seen within the dedup window; job_id is the original job, nothing written
  full,         // the queue is at max_queue; nothing written
  unavailable,  // no reply from Redis (not connected, connection lost); may or may not be written
  refused,      // Redis answered with an error (OOM, READONLY, ...); nothing written
};

struct EnqueueOutcome {
  EnqueueStatus status = EnqueueStatus::unavailable;
  std::string job_id;
  std::string reason;  // for unavailable/refused: what went wrong, for logs
};

// KEYS and ARGV of one script call, in order: `key_count` keys, then the arguments.
// Moves the payload out of `request`.
struct EnqueueCall {
  std::size_t key_count = 0;
  std::vector<std::string> keys_and_args;
};
EnqueueCall build_enqueue_call(const KeySchema& keys, EnqueueRequest&& request);

// The script's reply as an outcome (refused, with the reason, for an error or an unexpected
// shape).
EnqueueOutcome parse_enqueue_reply(const redis::RedisValue& reply);

// Runs the script on the async client; `done` is called once, on the client's strand.
void enqueue_async(redis::AsyncClient& client, const KeySchema& keys, EnqueueRequest request,
                   std::function<void(EnqueueOutcome)> done);

// Runs the script on a blocking client (tools, tests). Throws redis::ConnectionError when Redis
// is unreachable.
EnqueueOutcome enqueue_sync(redis::SyncClient& client, const KeySchema& keys,
                            EnqueueRequest request);

}  // namespace patchq::queue
