// StatusSnapshot: everything the status page, GET /api/stats and `patchqctl watch` show, read
// from Redis in one Lua script (one round trip, a few dozen cheap calls inside Redis): the
// queue counts and lag, the jobs running now and their workers, the workers seen recently,
// the last minutes' outcome counters, the fleet's V7 token buckets, and the newest dead letters.
//
// Invariants: read-only; bounded (the limits below cap every list); throughput comes from
// the per-minute counters the outcome scripts keep (key_schema.hpp), never from scanning job
// records. "Now" and every age are Redis' clock. A snapshot, not a transaction across moves:
// counts may disagree by a job or two while workers move jobs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/queue/dead_letters.hpp"
#include "common/queue/key_schema.hpp"
#include "common/queue/queue_stats.hpp"
#include "common/redis/redis_value.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

struct SnapshotLimits {
  std::size_t running = 50;       // pending entries shown as running jobs
  std::size_t dead = 10;          // newest dead letters
  std::size_t minutes = 15;       // minutes of counters, the current one included
  std::int64_t seen_ms = 120000;  // a worker whose last contact is older is not listed
};

// A pending entry: the job a consumer holds now (running, or its worker died and the lease
// has not run out yet).
struct RunningJob {
  std::string consumer;
  std::string job_id;
  std::string item_id;
  std::string target;
  std::int64_t since_ms = 0;  // started_at of the record (0 when unknown)
  std::int64_t idle_ms = 0;   // since the lease was last renewed
  std::int64_t deliveries = 0;
};

// A consumer of the group. Workers touch the group every --block while idle (XREADGROUP) and
// every lease/3 while running (lease renewal), which is their heartbeat.
struct WorkerSeen {
  std::string consumer;  // <host>:<pid>
  std::int64_t pending = 0;
  std::int64_t idle_ms = 0;  // since its last contact
};

struct MinuteCounts {
  std::int64_t minute = 0;  // ms since epoch / 60000
  std::int64_t done = 0;
  std::int64_t retry = 0;
  std::int64_t dead = 0;
  std::int64_t tiles = 0;
  std::int64_t v7_calls = 0;  // reservations in the fleet's main V7 bucket
  std::int64_t failures() const { return retry + dead; }
  std::int64_t outcomes() const { return done + retry + dead; }
};

struct V7Bucket {
  std::string key;    // "<prefix>v7rate:<key hash>" (never the API key)
  double tokens = 0;  // available now (negative: callers are waiting their turn)
  std::int64_t rate_per_minute = 0;
  std::int64_t burst = 0;
  std::int64_t last_used_ms = 0;
};

struct StatusSnapshot {
  std::int64_t now_ms = 0;
  QueueStats queue;
  std::vector<RunningJob> running;
  std::vector<WorkerSeen> workers;      // seen within limits.seen_ms, most recent first
  std::vector<MinuteCounts> minutes;    // oldest first; the last is the current (partial) minute
  std::vector<V7Bucket> v7_buckets;     // used within the last 2 minutes
  std::vector<DeadLetter> recent_dead;  // newest first

  // Jobs finished (done) per minute over the last complete minutes (up to 5), for ETAs.
  double done_per_minute() const;
  // Failed outcomes (retry + dead) / all outcomes over the whole window; 0 when none.
  double failure_rate() const;
  // Time to drain queued + retrying at done_per_minute(); -1 when nothing finishes.
  std::int64_t backlog_eta_ms() const;
};

// The script and its arguments, and the parser of its reply: exposed so that a caller with an
// asynchronous connection runs the same script.
const redis::LuaScript& status_snapshot_script();
std::vector<std::string> status_snapshot_keys(const KeySchema& keys);
std::vector<std::string> status_snapshot_args(const KeySchema& keys, const SnapshotLimits& limits);
StatusSnapshot parse_status_snapshot(const redis::RedisValue& reply);

// Runs the script. Throws redis::ConnectionError when Redis is unreachable, QueueError when
// the script fails.
StatusSnapshot read_status_snapshot(redis::SyncClient& client, const KeySchema& keys,
                                    const SnapshotLimits& limits = {});

// The snapshot as one JSON object (GET /api/stats, `patchqctl watch --json`).
std::string status_snapshot_json(const StatusSnapshot& snapshot);

}  // namespace patchq::queue
