// read_job_record: one pipeline over the record hash, the retry set and the record's TTL, plus
// the dead letter's reason when the record points at one.
#include "common/queue/job_record.hpp"

#include "common/queue/reply_fields.hpp"

namespace patchq::queue {

std::string JobRecord::field(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

std::optional<JobRecord> read_job_record(redis::SyncClient& client, const KeySchema& keys,
                                         std::string_view job_id) {
  const std::string id(job_id);
  const std::string record = keys.job_record(id);
  auto replies =
      client.pipeline({{"HGETALL", record}, {"ZSCORE", keys.retry_set(), id}, {"PTTL", record}});
  if (replies[0].elements.empty()) return std::nullopt;
  JobRecord out;
  out.id = id;
  out.fields = reply_fields(replies[0]);
  if (!replies[1].is_nil() && !replies[1].is_error()) {
    out.retry_due_ms = static_cast<std::int64_t>(std::stod(replies[1].str));
  }
  out.ttl_ms = replies[2].integer >= 0 ? replies[2].integer : -1;
  if (const std::string dead_id = out.field("dead_id"); !dead_id.empty()) {
    const auto entry = client.command({"XRANGE", keys.dead_stream(), dead_id, dead_id});
    if (!entry.elements.empty() && entry.elements[0].elements.size() == 2) {
      const auto letter = reply_fields(entry.elements[0].elements[1]);
      if (auto it = letter.find("reason"); it != letter.end()) out.dead_reason = it->second;
    }
  }
  return out;
}

}  // namespace patchq::queue
