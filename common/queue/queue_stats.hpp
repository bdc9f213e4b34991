// QueueStats: the numbers an operator and an autoscaler watch: how many jobs wait, run, wait to
// be retried, are dead, are done; how many consumers the group has; and the lag (age of the
// oldest job no worker has picked up yet). Read-only; one snapshot, not a transaction, so
// counts may disagree by a job or two while workers move jobs.
#pragma once

#include <cstdint>

#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

struct QueueStats {
  std::int64_t queued = 0;     // in the stream, not yet delivered
  std::int64_t pending = 0;    // delivered, no outcome yet (running, or its worker died)
  std::int64_t retrying = 0;   // in the retry set
  std::int64_t dead = 0;       // dead letters
  std::int64_t done = 0;       // completed since the queue was created
  std::int64_t consumers = 0;  // consumers in the group (live and recently exited workers)
  std::int64_t lag_ms = 0;     // age of the oldest undelivered job; 0 when none waits
};

QueueStats read_queue_stats(redis::SyncClient& client, const KeySchema& keys);

}  // namespace patchq::queue
