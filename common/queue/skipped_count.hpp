// The count of deliveries recorded as skipped (nothing to cut: no image slot, ...) since the
// queue was created, for `patchqctl stats`: KeySchema::skipped_counter(), INCR'd by the enqueue
// script in the same script call that records the skip (enqueue_script.cpp), never for a
// duplicate.
#pragma once

#include <cstdint>
#include <string>

#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

std::int64_t read_skipped_count(redis::SyncClient& client, const KeySchema& keys);

}  // namespace patchq::queue
