// EnqueueScript: the receiver's enqueue as one Lua script (see enqueue_script.hpp).
#include "common/queue/enqueue_script.hpp"

#include "common/redis/async_client.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::queue {
namespace {

// KEYS[1] dedup key (<p>dedup:<hash>)   KEYS[2] jobs stream   KEYS[3] job record (<p>job:<id>)
// ARGV[1] job id        ARGV[2] payload       ARGV[3] target       ARGV[4] item id
// ARGV[5] delivery id   ARGV[6] received_at (ms, receiver clock)
// ARGV[7] max queue length (0 = no limit)     ARGV[8] dedup TTL (s)
// Returns {'queued', job id} | {'duplicate', original job id} | {'full', current length}.
// updated_at is Redis' clock, as for every other write to the record.
constexpr const char* kEnqueueLua = R"lua(
local original = redis.call('GET', KEYS[1])
if original then
  return {'duplicate', original}
end
local max = tonumber(ARGV[7])
if max > 0 then
  local length = redis.call('XLEN', KEYS[2])
  if length >= max then
    return {'full', tostring(length)}
  end
end
local t = redis.call('TIME')
local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', KEYS[3], 'payload', ARGV[2], 'target', ARGV[3], 'item_id', ARGV[4],
           'delivery_id', ARGV[5], 'received_at', ARGV[6], 'status', 'queued',
           'attempts', '0', 'updated_at', now)
redis.call('XADD', KEYS[2], '*', 'job_id', ARGV[1], 'attempt', '0')
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[8])
return {'queued', ARGV[1]}
)lua";

}  // namespace

const redis::LuaScript& enqueue_script() {
  static const redis::LuaScript script(kEnqueueLua);
  return script;
}

EnqueueCall build_enqueue_call(const KeySchema& keys, EnqueueRequest&& r) {
  EnqueueCall call;
  call.key_count = 3;
  call.keys_and_args.reserve(11);
  call.keys_and_args.push_back(keys.dedup(r.dedup_hash));
  call.keys_and_args.push_back(keys.jobs_stream());
  call.keys_and_args.push_back(keys.job_record(r.job_id));
  call.keys_and_args.push_back(std::move(r.job_id));
  call.keys_and_args.push_back(std::move(r.payload));
  call.keys_and_args.push_back(std::move(r.target));
  call.keys_and_args.push_back(std::move(r.item_id));
  call.keys_and_args.push_back(std::move(r.delivery_id));
  call.keys_and_args.push_back(std::to_string(r.received_at_ms));
  call.keys_and_args.push_back(std::to_string(r.max_queue));
  call.keys_and_args.push_back(std::to_string(r.dedup_ttl.count()));
  return call;
}

EnqueueOutcome parse_enqueue_reply(const redis::RedisValue& reply) {
  EnqueueOutcome out;
  out.status = EnqueueStatus::refused;
  if (reply.is_error()) {
    out.reason = "redis refused the enqueue: " + reply.str;
    return out;
  }
  if (!reply.is_array() || reply.elements.size() != 2 ||
      reply.elements[0].kind != redis::RedisValue::Kind::string ||
      reply.elements[1].kind != redis::RedisValue::Kind::string) {
    out.reason = "unexpected reply from the enqueue script";
    return out;
  }
  const std::string& status = reply.elements[0].str;
  if (status == "queued") {
    out.status = EnqueueStatus::queued;
    out.job_id = reply.elements[1].str;
  } else if (status == "duplicate") {
    out.status = EnqueueStatus::duplicate;
    out.job_id = reply.elements[1].str;
  } else if (status == "full") {
    out.status = EnqueueStatus::full;
    out.reason = "queue length " + reply.elements[1].str + " reached the limit";
  } else {
    out.reason = "unexpected status from the enqueue script: " + status;
  }
  return out;
}

void enqueue_async(redis::AsyncClient& client, const KeySchema& keys, EnqueueRequest request,
                   std::function<void(EnqueueOutcome)> done) {
  EnqueueCall call = build_enqueue_call(keys, std::move(request));
  client.eval(enqueue_script(), call.key_count, std::move(call.keys_and_args),
              [done = std::move(done)](redis::AsyncReply reply) {
                if (!reply.delivered()) {
                  EnqueueOutcome out;
                  out.status = EnqueueStatus::unavailable;
                  out.reason = std::move(reply.failure);
                  done(std::move(out));
                  return;
                }
                done(parse_enqueue_reply(*reply.value));
              });
}

EnqueueOutcome enqueue_sync(redis::SyncClient& client, const KeySchema& keys,
                            EnqueueRequest request) {
  EnqueueCall call = build_enqueue_call(keys, std::move(request));
  std::vector<std::string> k(call.keys_and_args.begin(),
                             call.keys_and_args.begin() + static_cast<long>(call.key_count));
  std::vector<std::string> a(
      std::make_move_iterator(call.keys_and_args.begin() + static_cast<long>(call.key_count)),
      std::make_move_iterator(call.keys_and_args.end()));
  return parse_enqueue_reply(client.eval(enqueue_script(), k, a));
}

}  // namespace patchq::queue
