// JobRecord: what an operator sees of one job by id (`patchqctl job <id>`): the record hash as
// stored, plus where the job is now (its retry due time, its dead letter) and the record's TTL.
// Read-only; a snapshot from one pipeline, not a transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

struct JobRecord {
  std::string id;
  std::map<std::string, std::string> fields;  // the hash, field by field (see key_schema.hpp)
  std::optional<std::int64_t> retry_due_ms;   // set while the job waits in the retry set
  std::string dead_reason;                    // set while the job is a dead letter
  std::int64_t ttl_ms = -1;                   // -1: no expiry (the job can still run, or dead)

  // A field's value, empty when absent.
  std::string field(const std::string& name) const;
};

// nullopt when no record exists (never enqueued, or expired after done).
std::optional<JobRecord> read_job_record(redis::SyncClient& client, const KeySchema& keys,
                                         std::string_view job_id);

}  // namespace patchq::queue
