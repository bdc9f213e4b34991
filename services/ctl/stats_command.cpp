// patchqctl stats: the queue at a glance, as aligned text or one JSON object.
#include "common/json/json_writer.hpp"
#include "common/queue/queue_stats.hpp"
#include "common/queue/skipped_count.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/text_format.hpp"

namespace patchq::ctl {

CommandResult run_stats(const CommandInput& in) {
  const queue::QueueStats s = queue::read_queue_stats(in.client, in.keys);
  const std::int64_t skipped = queue::read_skipped_count(in.client, in.keys);
  CommandResult r;
  if (in.options.json) {
    json::JsonWriter w;
    w.begin_object()
        .field("queued", s.queued)
        .field("pending", s.pending)
        .field("retrying", s.retrying)
        .field("dead", s.dead)
        .field("done", s.done)
        .field("skipped", skipped)
        .field("consumers", s.consumers)
        .field("lag_seconds", static_cast<double>(s.lag_ms) / 1000.0)
        .end_object();
    r.out = w.take() + "\n";
    return r;
  }
  auto row = [&r](const char* name, const std::string& value) {
    std::string line = name;
    line.resize(11, ' ');
    r.out += line + value + "\n";
  };
  row("queued", std::to_string(s.queued));
  row("pending", std::to_string(s.pending));
  row("retrying", std::to_string(s.retrying));
  row("dead", std::to_string(s.dead));
  row("done", std::to_string(s.done));
  row("skipped", std::to_string(skipped));
  row("consumers", std::to_string(s.consumers));
  row("lag", span_ms(s.lag_ms));
  return r;
}

}  // namespace patchq::ctl
