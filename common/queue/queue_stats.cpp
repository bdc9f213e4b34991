// read_queue_stats: one pipeline for the counts, one XRANGE for the oldest undelivered entry.
// queued = XLEN - pending holds because every entry is deleted when its job leaves the stream.
#include "common/queue/queue_stats.hpp"

#include <algorithm>

#include "common/queue/reply_fields.hpp"

namespace patchq::queue {

QueueStats read_queue_stats(redis::SyncClient& client, const KeySchema& keys) {
  const auto replies = client.pipeline({{"XLEN", keys.jobs_stream()},
                                        {"XINFO", "GROUPS", keys.jobs_stream()},
                                        {"ZCARD", keys.retry_set()},
                                        {"XLEN", keys.dead_stream()},
                                        {"GET", keys.done_counter()},
                                        {"TIME"}});
  QueueStats s;
  const std::int64_t length = reply_int(replies[0]);
  std::string last_delivered = "0-0";
  for (const auto& group : replies[1].elements) {  // an error (no stream) has no elements
    const auto f = reply_fields(group);
    auto it = f.find("name");
    if (it == f.end() || it->second != kConsumerGroup) continue;
    s.pending = parse_int(f.count("pending") ? f.at("pending") : "0");
    s.consumers = parse_int(f.count("consumers") ? f.at("consumers") : "0");
    if (f.count("last-delivered-id")) last_delivered = f.at("last-delivered-id");
  }
  s.queued = std::max<std::int64_t>(0, length - s.pending);
  s.retrying = reply_int(replies[2]);
  s.dead = reply_int(replies[3]);
  s.done = reply_int(replies[4]);
  if (s.queued > 0 && replies[5].elements.size() == 2) {
    const std::int64_t now_ms =
        parse_int(replies[5].elements[0].str) * 1000 + parse_int(replies[5].elements[1].str) / 1000;
    const std::string from = last_delivered == "0-0" ? "-" : "(" + last_delivered;
    const auto oldest = client.command({"XRANGE", keys.jobs_stream(), from, "+", "COUNT", "1"});
    if (!oldest.elements.empty() && !oldest.elements[0].elements.empty()) {
      s.lag_ms =
          std::max<std::int64_t>(0, now_ms - stream_id_ms(oldest.elements[0].elements[0].str));
    }
  }
  return s;
}

}  // namespace patchq::queue
