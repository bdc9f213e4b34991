// patchqctl dead list | retry <id>|--all | purge: the dead-letter runbook's tools.
#include "common/json/json_writer.hpp"
#include "common/queue/dead_letters.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/text_format.hpp"

namespace patchq::ctl {

CommandResult run_dead_list(const CommandInput& in) {
  queue::DeadLetters dead(in.client, in.keys);
  const auto letters = dead.list(static_cast<std::size_t>(in.options.limit));
  const std::int64_t total = dead.size();
  CommandResult r;
  if (in.options.json) {
    json::JsonWriter w;
    w.begin_object().field("total", total).key("dead").begin_array();
    for (const auto& d : letters) queue::write_dead_letter(w, d);
    w.end_array().end_object();
    r.out = w.take() + "\n";
    return r;
  }
  for (const auto& d : letters) {
    r.out += iso_time_ms(d.dead_at_ms) + "  " + d.job_id + "  " + d.reason +
             "  attempts=" + std::to_string(d.attempts) + "  target=" + d.target +
             "  item=" + d.item_id + "  error=" + d.error + "\n";
  }
  r.out += std::to_string(letters.size()) + " of " + std::to_string(total) + " dead letters\n";
  return r;
}

CommandResult run_dead_retry(const CommandInput& in) {
  queue::DeadLetters dead(in.client, in.keys);
  CommandResult r;
  if (in.options.all) {
    r.out = "requeued " + std::to_string(dead.revive_all()) + " dead jobs\n";
    return r;
  }
  const std::string& id = in.args.at(0);
  const queue::Revival revival = dead.revive(id);
  switch (revival.result) {
    case queue::Revival::Result::revived:
      r.out = "requeued " + id + "\n";
      break;
    case queue::Revival::Result::not_found:
      r.exit_code = kExitRefused;
      r.err = "patchqctl dead retry: no job " + id + "\n";
      break;
    case queue::Revival::Result::not_dead:
      r.exit_code = kExitRefused;
      r.err = "patchqctl dead retry: job " + id + " is not dead (status " + revival.status +
              "); only dead jobs can be retried\n";
      break;
  }
  return r;
}

CommandResult run_dead_purge(const CommandInput& in) {
  queue::DeadLetters dead(in.client, in.keys);
  CommandResult r;
  r.out = "purged " + std::to_string(dead.purge()) + " dead letters\n";
  return r;
}

}  // namespace patchq::ctl
