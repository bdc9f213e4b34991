#include "common/patchjob/cut_ledger.hpp"

#include <cctype>
#include <vector>

#include "common/codec/sha256.hpp"
#include "common/obs/log.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::patchjob {
namespace {

constexpr std::size_t kBoxKeyChars = 8;

bool all_hex(std::string_view text) {
  for (const char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// KEYS[1] the item's ledger (hash: cut -> "<box key>:<tiles>,...")
// ARGV[1] TTL (ms); then pairs: cut, its new value
// Returns the tiles of the replaced values under box keys the new value does not name.
const redis::LuaScript kRecordCuts(R"lua(
local superseded = 0
for i = 2, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if old then
    local kept = {}
    for key in string.gmatch(ARGV[i + 1], '([^:,]+):%d+') do kept[key] = true end
    for key, tiles in string.gmatch(old, '([^:,]+):(%d+)') do
      if not kept[key] then superseded = superseded + tonumber(tiles) end
    end
  end
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return superseded
)lua");

}  // namespace

void CutTally::add(std::string_view name) {
  // ..._<box key>_r<row>c<col>.<ext>
  const std::size_t grid = name.rfind("_r");
  if (grid == std::string_view::npos || grid < kBoxKeyChars + 2) return;
  const std::size_t key_at = grid - kBoxKeyChars;
  if (name[key_at - 1] != '_') return;
  const std::string_view key = name.substr(key_at, kBoxKeyChars);
  if (!all_hex(key)) return;
  ++cuts_[std::string(name.substr(0, key_at - 1))][std::string(key)];
}

RedisCutLedger::RedisCutLedger(Options options)
    : options_(std::move(options)),
      client_(std::make_unique<redis::SyncClient>(redis::SyncClient::Options{
          options_.endpoint, options_.redis_timeout, options_.redis_timeout})) {}

RedisCutLedger::~RedisCutLedger() = default;

std::optional<std::int64_t> RedisCutLedger::record(std::string_view item_identity,
                                                   const CutTally& tally) {
  if (tally.cuts().empty()) return 0;
  const queue::KeySchema keys(options_.key_prefix);
  std::vector<std::string> args{
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(kCutLedgerTtl).count())};
  for (const auto& [cut, boxes] : tally.cuts()) {
    std::string value;
    for (const auto& [box, tiles] : boxes) {
      if (!value.empty()) value += ',';
      value += box + ":" + std::to_string(tiles);
    }
    args.push_back(cut);
    args.push_back(std::move(value));
  }
  std::lock_guard lock(mutex_);
  try {
    const auto reply = client_->eval(
        kRecordCuts, {keys.cut_ledger(codec::sha256_hex(item_identity).substr(0, 32))}, args);
    if (reply.kind == redis::RedisValue::Kind::integer) return reply.integer;
    obs::log_warn("cut_ledger_unavailable").field("reason", reply.str);
  } catch (const redis::ConnectionError& e) {
    obs::log_warn("cut_ledger_unavailable").field("reason", std::string(e.what()));
  }
  return std::nullopt;
}

}  // namespace patchq::patchjob
