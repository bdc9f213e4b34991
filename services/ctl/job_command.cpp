// patchqctl job <id>: one job's record, where it is now, and its timeline; the payload's size
// only (it can be large). patchqctl payload <id>: the payload itself, decompressed.
#include <optional>
#include <string_view>

#include "common/json/json_writer.hpp"
#include "common/queue/job_record.hpp"
#include "common/queue/payload_codec.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/text_format.hpp"

namespace patchq::ctl {
namespace {

bool is_time_field(const std::string& name) {
  return name == "received_at" || name == "started_at" || name == "finished_at" ||
         name == "updated_at" || name == "next_attempt_at";
}

// The record of the job named by the command's argument, or nullopt with `r` set to refuse.
std::optional<queue::JobRecord> record_or_refuse(const CommandInput& in, std::string_view command,
                                                 CommandResult& r) {
  const std::string& id = in.args.at(0);
  auto record = queue::read_job_record(in.client, in.keys, id);
  if (!record) {
    r.exit_code = kExitRefused;
    r.err = "patchqctl " + std::string(command) + ": no job " + id +
            " (never enqueued, or expired after it was done)\n";
  }
  return record;
}

}  // namespace

CommandResult run_job(const CommandInput& in) {
  const std::string& id = in.args.at(0);
  CommandResult r;
  const auto record = record_or_refuse(in, "job", r);
  if (!record) return r;
  const std::string stored_payload = record->field("payload");
  const auto payload = queue::decode_payload(stored_payload, queue::kMaxDecodedPayloadBytes);
  const std::size_t payload_bytes = payload ? payload->size() : 0;
  if (in.options.json) {
    json::JsonWriter w;
    w.begin_object().field("id", id);
    for (const auto& [name, value] : record->fields) {
      if (name != "payload") w.field(name, value);
    }
    w.field("payload_bytes", static_cast<std::uint64_t>(payload_bytes));
    w.field("payload_stored_bytes", static_cast<std::uint64_t>(stored_payload.size()));
    if (!payload) w.field("payload_error", payload.error().reason);
    if (record->retry_due_ms) w.field("retry_due_ms", *record->retry_due_ms);
    if (!record->dead_reason.empty()) w.field("dead_reason", record->dead_reason);
    w.field("ttl_ms", record->ttl_ms).end_object();
    r.out = w.take() + "\n";
    return r;
  }
  auto row = [&r](const std::string& name, const std::string& value) {
    std::string line = name;
    line.resize(std::max<std::size_t>(16, name.size() + 1), ' ');
    r.out += line + value + "\n";
  };
  row("job", id);
  for (const char* name :
       {"status", "attempts", "target", "item_id", "delivery_id", "worker", "tiles", "tiles_new",
        "tiles_already", "tiles_superseded", "note", "error", "received_at", "started_at",
        "finished_at", "next_attempt_at", "updated_at"}) {
    const std::string value = record->field(name);
    if (value.empty()) continue;
    if (is_time_field(name)) {
      row(name, iso_time_ms(std::stoll(value)));
    } else {
      row(name, value);
    }
  }
  if (!record->dead_reason.empty()) row("dead_reason", record->dead_reason);
  if (payload) {
    row("payload", std::to_string(payload_bytes) + " bytes (" +
                       std::to_string(stored_payload.size()) + " stored)");
  } else {
    row("payload", payload.error().reason);
  }
  if (record->ttl_ms >= 0) row("expires_in", span_ms(record->ttl_ms));
  return r;
}

CommandResult run_payload(const CommandInput& in) {
  const std::string& id = in.args.at(0);
  CommandResult r;
  const auto record = record_or_refuse(in, "payload", r);
  if (!record) return r;
  auto payload = queue::decode_payload(record->field("payload"), queue::kMaxDecodedPayloadBytes);
  if (!payload) {
    r.exit_code = kExitRefused;
    r.err = "patchqctl payload: job " + id + ": " + payload.error().reason + "\n";
    return r;
  }
  r.out = std::move(payload).value();
  if (r.out.empty() || r.out.back() != '\n') r.out += "\n";
  return r;
}

}  // namespace patchq::ctl
