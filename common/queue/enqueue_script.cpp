// EnqueueScript: the receiver's enqueue transaction (see enqueue_script.hpp).
#include "common/queue/enqueue_script.hpp"

#include "common/queue/payload_codec.hpp"
#include "common/redis/async_client.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {
namespace {

// KEYS[1] jobs stream; for job i (1-based): KEYS[2i] its dedup key (<p>dedup:<hash>),
//         KEYS[2i+1] its job record (<p>job:<id>), written by the HSET queued before this script;
//         the last key: the skipped counter (<p>stats:skipped)
// ARGV[1] max queue length (0 = no limit)   ARGV[2] dedup TTL (s)   ARGV[3] skipped-record TTL
// (ms; 0 = none)   ARGV[2+2i] job i's id   ARGV[3+2i] 'queue', or 'skip' for a job recorded as
// skipped (it takes no queue room and gets no stream entry)
// Returns a flat array, two items per job in order: 'queued', id | 'skipped', id |
// 'duplicate', original id | 'full', current length.
constexpr const char* kEnqueueLua = R"lua(
local jobs = KEYS[1]
local max = tonumber(ARGV[1])
local ttl = ARGV[2]
local skipped_ttl = tonumber(ARGV[3])
local skipped_counter = KEYS[#KEYS]
local length = 0
if max > 0 then length = redis.call('XLEN', jobs) end
local out = {}
for i = 1, (#KEYS - 2) / 2 do
  local dedup, record = KEYS[2 * i], KEYS[2 * i + 1]
  local id, mode = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local original = redis.call('GET', dedup)
  if original then
    redis.call('DEL', record)
    out[2 * i - 1], out[2 * i] = 'duplicate', original
  elseif mode == 'skip' then
    if skipped_ttl > 0 then redis.call('PEXPIRE', record, skipped_ttl) end
    redis.call('SET', dedup, id, 'EX', ttl)
    redis.call('INCR', skipped_counter)
    out[2 * i - 1], out[2 * i] = 'skipped', id
  elseif max > 0 and length >= max then
    redis.call('DEL', record)
    out[2 * i - 1], out[2 * i] = 'full', tostring(length)
  else
    redis.call('XADD', jobs, '*', 'job_id', id, 'attempt', '0')
    redis.call('SET', dedup, id, 'EX', ttl)
    length = length + 1
    out[2 * i - 1], out[2 * i] = 'queued', id
  end
end
return out
)lua";

std::vector<EnqueueOutcome> all(std::size_t n, EnqueueStatus status, const std::string& reason) {
  std::vector<EnqueueOutcome> out(n);
  for (auto& o : out) {
    o.status = status;
    o.reason = reason;
  }
  return out;
}

// The batch decision script (EVAL'd inside the transaction).
const redis::LuaScript& enqueue_script() {
  static const redis::LuaScript script(kEnqueueLua);
  return script;
}

}  // namespace

std::vector<std::vector<std::string>> build_enqueue_transaction(
    const KeySchema& keys, std::vector<EnqueueRequest>& requests, const EnqueuePolicy& policy) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(requests.size() + 1);
  std::vector<std::string> eval = {"EVAL", enqueue_script().text(),
                                   std::to_string(2 + 2 * requests.size()), keys.jobs_stream()};
  eval.reserve(5 + 4 * requests.size() + 3);
  for (auto& r : requests) {
    std::string record = keys.job_record(r.job_id);
    std::string received = std::to_string(r.received_at_ms);
    std::vector<std::string> hset = {
        "HSET",        record,
        "payload",     encode_payload(r.payload),
        "target",      std::move(r.target),
        "item_id",     std::move(r.item_id),
        "delivery_id", std::move(r.delivery_id),
        "received_at", received,
        "status",      std::string(r.skip_reason.empty() ? status::queued : status::skipped),
        "attempts",    "0",
        "updated_at",  received};
    if (!r.skip_reason.empty()) {
      hset.insert(hset.end(), {"note", r.skip_reason, "finished_at", received});
    }
    commands.push_back(std::move(hset));
    eval.push_back(keys.dedup(r.dedup_hash));
    eval.push_back(std::move(record));
  }
  eval.push_back(keys.skipped_counter());
  eval.push_back(std::to_string(policy.max_queue));
  eval.push_back(std::to_string(policy.dedup_ttl.count()));
  eval.push_back(std::to_string(policy.skipped_ttl.count()));
  for (auto& r : requests) {
    eval.push_back(r.job_id);
    eval.push_back(r.skip_reason.empty() ? "queue" : "skip");
  }
  commands.push_back(std::move(eval));
  return commands;
}

std::vector<EnqueueOutcome> parse_enqueue_transaction_reply(const redis::RedisValue& reply,
                                                            std::size_t jobs) {
  using Kind = redis::RedisValue::Kind;
  if (reply.is_error()) return all(jobs, EnqueueStatus::refused, "redis refused: " + reply.str);
  if (!reply.is_array() || reply.elements.size() != jobs + 1) {
    return all(jobs, EnqueueStatus::refused, "unexpected reply to the enqueue transaction");
  }
  const redis::RedisValue& decided = reply.elements.back();
  if (decided.is_error()) {
    return all(jobs, EnqueueStatus::refused, "redis refused the script: " + decided.str);
  }
  if (!decided.is_array() || decided.elements.size() != 2 * jobs) {
    return all(jobs, EnqueueStatus::refused, "unexpected reply from the enqueue script");
  }
  std::vector<EnqueueOutcome> out(jobs);
  for (std::size_t i = 0; i < jobs; ++i) {
    const auto& status = decided.elements[2 * i];
    const auto& value = decided.elements[2 * i + 1];
    EnqueueOutcome& o = out[i];
    o.status = EnqueueStatus::refused;
    if (reply.elements[i].is_error()) {  // its HSET failed: whatever the script did, say so
      o.reason = "redis refused the job record: " + reply.elements[i].str;
    } else if (status.kind != Kind::string || value.kind != Kind::string) {
      o.reason = "unexpected reply from the enqueue script";
    } else if (status.str == "queued") {
      o.status = EnqueueStatus::queued;
      o.job_id = value.str;
    } else if (status.str == "skipped") {
      o.status = EnqueueStatus::skipped;
      o.job_id = value.str;
    } else if (status.str == "duplicate") {
      o.status = EnqueueStatus::duplicate;
      o.job_id = value.str;
    } else if (status.str == "full") {
      o.status = EnqueueStatus::full;
      o.reason = "queue length " + value.str + " reached the limit";
    } else {
      o.reason = "unexpected status from the enqueue script: " + status.str;
    }
  }
  return out;
}

void enqueue_async(redis::AsyncClient& client, const KeySchema& keys,
                   std::vector<EnqueueRequest> requests, const EnqueuePolicy& policy,
                   std::function<void(std::vector<EnqueueOutcome>)> done) {
  const std::size_t n = requests.size();
  client.transaction(build_enqueue_transaction(keys, requests, policy),
                     [n, done = std::move(done)](redis::AsyncReply reply) {
                       if (!reply.delivered()) {
                         done(all(n, EnqueueStatus::unavailable, reply.failure));
                         return;
                       }
                       done(parse_enqueue_transaction_reply(*reply.value, n));
                     });
}

EnqueueOutcome enqueue_sync(redis::SyncClient& client, const KeySchema& keys,
                            EnqueueRequest request, const EnqueuePolicy& policy) {
  std::vector<EnqueueRequest> one;
  one.push_back(std::move(request));
  std::vector<std::vector<std::string>> commands = {{"MULTI"}};
  for (auto& c : build_enqueue_transaction(keys, one, policy)) commands.push_back(std::move(c));
  commands.push_back({"EXEC"});
  const auto replies = client.pipeline(commands);
  return parse_enqueue_transaction_reply(replies.back(), 1).front();
}

}  // namespace patchq::queue
