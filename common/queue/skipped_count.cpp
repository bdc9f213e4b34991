// The skipped-delivery counter (see skipped_count.hpp).
#include "common/queue/skipped_count.hpp"

#include "common/queue/reply_fields.hpp"

namespace patchq::queue {

std::int64_t read_skipped_count(redis::SyncClient& client, const KeySchema& keys) {
  return reply_int(client.command({"GET", keys.skipped_counter()}));
}

}  // namespace patchq::queue
