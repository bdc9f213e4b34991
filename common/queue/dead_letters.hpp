// DeadLetters: the operator's side of the dead stream: list dead letters, bring one (or all)
// back to the jobs stream, or purge them together with their job records.
//
// Invariants: a revived job leaves the dead stream and enters the jobs stream in one script,
// with a fresh attempt budget (attempt 0, attempts 0) and its last error kept for reference;
// purge deletes a record only while its status is still dead. Batches keep every script
// short, so a large dead stream never blocks Redis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json/json_writer.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {

struct DeadLetter {
  std::string entry_id;
  std::string job_id;
  std::string reason;  // permanent | attempts_exhausted | poison
  std::int64_t attempts = 0;
  std::string error;
  std::int64_t dead_at_ms = 0;
  std::string target;   // from the job record (empty when the record is gone)
  std::string item_id;  // from the job record
};

// One dead letter as a JSON object (patchqctl dead --json, /api/stats).
void write_dead_letter(json::JsonWriter& w, const DeadLetter& d);

struct Revival {
  enum class Result { revived, not_found, not_dead } result = Result::not_found;
  std::string status;  // the record's status when not_dead
};

class DeadLetters {
 public:
  DeadLetters(redis::SyncClient& client, KeySchema keys);

  // Oldest first, at most `limit`.
  std::vector<DeadLetter> list(std::size_t limit);
  std::int64_t size();
  Revival revive(const std::string& job_id);
  std::size_t revive_all();  // returns how many jobs went back to the stream
  std::size_t purge();       // returns how many dead letters were removed

 private:
  redis::SyncClient& client_;
  KeySchema keys_;
};

}  // namespace patchq::queue
