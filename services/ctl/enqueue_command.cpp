// patchqctl enqueue: puts a webhook payload file on the queue by hand, through
// JobQueue::enqueue (the receiver's enqueue transaction, so the same record), and prints the
// job id. The payload is stored as it is; the worker's handler validates it.
#include <fstream>
#include <sstream>

#include "common/queue/job_queue.hpp"
#include "services/ctl/commands.hpp"

namespace patchq::ctl {
namespace {

constexpr std::size_t kMaxPayloadBytes = 4u << 20;  // the receiver's body limit

}  // namespace

CommandResult run_enqueue(const CommandInput& in) {
  CommandResult r;
  std::ifstream file(in.options.payload_file, std::ios::binary);
  if (!file) {
    r.exit_code = kExitUsage;
    r.err = "patchqctl enqueue: cannot read " + in.options.payload_file + "\n";
    return r;
  }
  std::ostringstream body;
  body << file.rdbuf();
  queue::JobSpec spec;
  spec.payload = body.str();
  if (spec.payload.empty() || spec.payload.size() > kMaxPayloadBytes) {
    r.exit_code = kExitUsage;
    r.err = "patchqctl enqueue: " + in.options.payload_file + " is " +
            std::to_string(spec.payload.size()) + " bytes; expected 1 byte to 4 MiB\n";
    return r;
  }
  spec.target = in.options.target;
  spec.item_id = in.options.item_id;
  spec.delivery_id = in.options.delivery_id;
  queue::JobQueue jobs(in.client, in.keys);
  r.out = jobs.enqueue(spec) + "\n";
  return r;
}

}  // namespace patchq::ctl
