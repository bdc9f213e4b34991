#include "common/v7/registration_desk.hpp"

#include <charconv>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/codec/sha256.hpp"
#include "common/obs/log.hpp"
#include "common/redis/sync_client.hpp"
#include "common/v7/v7_api.hpp"

namespace patchq::v7 {
namespace {

using Clock = std::chrono::steady_clock;
using redis::RedisValue;

// Queues each ticket once. KEYS[1] queue, KEYS[2] items, KEYS[3] the job's answers, KEYS[4]
// callers. ARGV[1] "repost" or "put", ARGV[2] in-flight key prefix, then (ticket, name, item)
// triples. An answered item is skipped. A repost also queues an item that is in `items` but in
// neither the queue nor a caller's in-flight list (lost, e.g. across a Redis failover).
const redis::LuaScript kPut(R"lua(
local repost = ARGV[1] == 'repost'
local added = 0
for i = 3, #ARGV, 3 do
  local ticket, name, item = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[3], name) == 0 then
    if redis.call('HSETNX', KEYS[2], ticket, item) == 1 then
      redis.call('RPUSH', KEYS[1], ticket)
      added = added + 1
    elseif repost and not redis.call('LPOS', KEYS[1], ticket) then
      local held = false
      for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
        if redis.call('LPOS', ARGV[2] .. id, ticket) then held = true break end
      end
      if not held then
        redis.call('RPUSH', KEYS[1], ticket)
        added = added + 1
      end
    end
  end
end
return added
)lua");

// Moves up to ARGV[1] waiting tickets (FIFO, one per item name) to the caller's in-flight list
// and records the caller's deadline. KEYS[1] queue, KEYS[2] items, KEYS[3] in-flight list,
// KEYS[4] callers. ARGV[2] caller id, ARGV[3] lease ms. Returns ticket, item, ticket, item...
const redis::LuaScript kTake(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local out, names, later = {}, {}, {}
local n = 0
while n < max do
  local ticket = redis.call('LPOP', KEYS[1])
  if not ticket then break end
  local item = redis.call('HGET', KEYS[2], ticket)
  if item then
    local name = string.sub(ticket, string.find(ticket, '/', 1, true) + 1)
    if names[name] then
      later[#later + 1] = ticket
    else
      names[name] = true
      redis.call('RPUSH', KEYS[3], ticket)
      out[#out + 1] = ticket
      out[#out + 1] = item
      n = n + 1
    end
  end
end
for i = #later, 1, -1 do redis.call('LPUSH', KEYS[1], later[i]) end
if n > 0 then redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[2]) end
return out
)lua");

// Puts the in-flight tickets of callers past their deadline back at the queue's head, in
// order. KEYS[1] queue, KEYS[2] callers. ARGV[1] in-flight key prefix. Returns tickets moved.
const redis::LuaScript kReclaim(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local moved = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  local list = ARGV[1] .. id
  local tickets = redis.call('LRANGE', list, 0, -1)
  for i = #tickets, 1, -1 do
    redis.call('LPUSH', KEYS[1], tickets[i])
    moved = moved + 1
  end
  redis.call('DEL', list)
  redis.call('ZREM', KEYS[2], id)
end
return moved
)lua");

// Writes each ticket's answer where its job reads it (the first answer wins), wakes those jobs
// and drops the caller's in-flight list. KEYS[1] items, KEYS[2] in-flight list, KEYS[3]
// callers. ARGV[1] caller id, ARGV[2] "<p>regdesk:", ARGV[3] ttl ms, then (ticket, answer).
const redis::LuaScript kComplete(R"lua(
local jobs = {}
for i = 4, #ARGV, 2 do
  local ticket = ARGV[i]
  local slash = string.find(ticket, '/', 1, true)
  local job = string.sub(ticket, 1, slash - 1)
  local answers = ARGV[2] .. 'result:' .. job
  redis.call('HSETNX', answers, string.sub(ticket, slash + 1), ARGV[i + 1])
  redis.call('PEXPIRE', answers, ARGV[3])
  redis.call('HDEL', KEYS[1], ticket)
  jobs[job] = true
end
for job in pairs(jobs) do
  local wake = ARGV[2] .. 'wake:' .. job
  redis.call('LPUSH', wake, '1')
  redis.call('LTRIM', wake, 0, 0)
  redis.call('PEXPIRE', wake, ARGV[3])
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
)lua");

// Releases the caller lock if this caller still holds it, and wakes the job at the queue's
// head so that it takes over at once. KEYS[1] lock, KEYS[2] queue. ARGV[1] caller id,
// ARGV[2] "<p>regdesk:", ARGV[3] ttl ms.
const redis::LuaScript kRelease(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local head = redis.call('LINDEX', KEYS[2], 0)
if head then
  local wake = ARGV[2] .. 'wake:' .. string.sub(head, 1, string.find(head, '/', 1, true) - 1)
  redis.call('LPUSH', wake, '1')
  redis.call('LTRIM', wake, 0, 0)
  redis.call('PEXPIRE', wake, ARGV[3])
end
return 1
)lua");

// Extends the lock's lease while this caller holds it. KEYS[1] lock. ARGV[1] id, ARGV[2] ms.
const redis::LuaScript kRenew(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua");

std::string random_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id.push_back(kHex[bits & 15]);
  }
  return id;
}

std::string ms_text(std::chrono::milliseconds ms) {
  return std::to_string(std::max<std::int64_t>(1, ms.count()));
}

// Fields as "<length>:<bytes>" one after the other: any byte may occur in a field.
void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

bool next_field(std::string_view& in, std::string_view& field) {
  const auto colon = in.find(':');
  if (colon == std::string_view::npos) return false;
  std::size_t size = 0;
  const auto [end, ec] = std::from_chars(in.data(), in.data() + colon, size);
  if (ec != std::errc() || end != in.data() + colon || in.size() - colon - 1 < size) return false;
  field = in.substr(colon + 1, size);
  in.remove_prefix(colon + 1 + size);
  return true;
}

int to_int(std::string_view text) {
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string encode_item(const ExistingItem& item) {
  std::string out;
  append_field(out, item.path);
  append_field(out, item.storage_key);
  append_field(out, item.storage_thumbnail_key);
  append_field(out, std::to_string(item.width));
  append_field(out, std::to_string(item.height));
  for (const auto& tag : item.tags) append_field(out, tag);  // the rest: tags, each a field
  return out;
}

std::optional<ExistingItem> decode_item(std::string name, std::string_view in) {
  std::string_view path, key, thumb, width, height;
  if (!next_field(in, path) || !next_field(in, key) || !next_field(in, thumb) ||
      !next_field(in, width) || !next_field(in, height)) {
    return std::nullopt;
  }
  ExistingItem item;
  item.name = std::move(name);
  item.path = std::string(path);
  item.storage_key = std::string(key);
  item.storage_thumbnail_key = std::string(thumb);
  item.width = to_int(width);
  item.height = to_int(height);
  std::string_view tag;
  while (!in.empty()) {
    if (!next_field(in, tag)) return std::nullopt;
    item.tags.emplace_back(tag);
  }
  return item;
}

// "r<fields: item id>" registered; "b<fields: reason, item id>" blocked;
// "e<r|p><fields: status, retry-after ms, reason>" failed.
std::string encode_answer(const ItemRegistration& answer) {
  std::string out;
  switch (answer.state) {
    case ItemRegistration::State::registered:
      out = "r";
      append_field(out, answer.item_id);
      return out;
    case ItemRegistration::State::blocked:
      out = "b";
      append_field(out, answer.blocked_reason);
      append_field(out, answer.item_id);
      return out;
    case ItemRegistration::State::failed:
      break;
  }
  const V7Error error = answer.error.value_or(V7Error::retryable_error("no answer"));
  out = error.retryable() ? "er" : "ep";
  append_field(out, std::to_string(error.http_status));
  append_field(out, error.retry_after ? std::to_string(error.retry_after->count()) : "");
  append_field(out, error.reason);
  return out;
}

ItemRegistration decode_answer(std::string name, std::string_view in) {
  ItemRegistration answer{std::move(name), ItemRegistration::State::failed, "", std::nullopt, ""};
  std::string_view fields = in.empty() ? in : in.substr(1);
  std::string_view first, second;
  if (!in.empty() && in[0] == 'r') {
    answer.state = ItemRegistration::State::registered;
    if (next_field(fields, first)) answer.item_id = std::string(first);
  } else if (!in.empty() && in[0] == 'b') {
    answer.state = ItemRegistration::State::blocked;
    if (next_field(fields, first)) answer.blocked_reason = std::string(first);
    if (next_field(fields, second)) answer.item_id = std::string(second);
  } else {
    const bool retryable = in.size() >= 2 && in[1] == 'r';
    std::string_view rest = in.size() >= 2 ? in.substr(2) : std::string_view();
    std::string_view status, retry_after, reason;
    if (!next_field(rest, status) || !next_field(rest, retry_after) || !next_field(rest, reason)) {
      reason = "registration desk: unreadable answer";
    }
    V7Error error = retryable ? V7Error::retryable_error(std::string(reason), to_int(status))
                              : V7Error::permanent(std::string(reason), to_int(status));
    if (!retry_after.empty()) error.retry_after = std::chrono::milliseconds(to_int(retry_after));
    answer.error = std::move(error);
  }
  return answer;
}

bool integer_reply(const RedisValue& reply, const char* what) {
  if (reply.is_error()) throw redis::ConnectionError(std::string(what) + ": " + reply.str);
  return reply.kind == RedisValue::Kind::integer && reply.integer != 0;
}

}  // namespace

// One job's registration through the desk: its keys, its items, and the answers so far.
class RegistrationDesk::Session {
 public:
  Session(RegistrationDesk& desk, redis::SyncClient& redis, const V7Api& api, net::HttpClient& http,
          const ExistingTarget& target, const std::vector<ExistingItem>& items)
      : desk_(desk),
        redis_(redis),
        api_(api),
        http_(http),
        target_(target),
        items_(items),
        root_(desk.options_.key_prefix + "regdesk:"),
        prefix_(desk.desk_prefix(target)),
        job_(random_id()),
        caller_(random_id()) {}

  // Every item answered, or the give-up failure for those that are not.
  void run() {
    put(false);
    const auto started = Clock::now();
    auto repost_at = started + desk_.options_.repost_after;
    for (;;) {
      read_answers();
      if (answers_.size() == items_.size()) break;
      const auto now = Clock::now();
      if (now >= started + desk_.options_.give_up_after) {
        give_up();
        break;
      }
      if (now >= repost_at) {
        put(true);
        repost_at = now + desk_.options_.repost_after;
      }
      if (try_lock()) {
        serve();
        continue;
      }
      const double seconds = static_cast<double>(desk_.options_.wake_poll.count()) / 1000.0;
      redis_.command({"BLPOP", key("wake:" + job_, root_), std::to_string(seconds)},
                     desk_.options_.wake_poll + desk_.options_.redis_timeout);
    }
    redis_.pipeline({{"DEL", key("result:" + job_, root_)}, {"DEL", key("wake:" + job_, root_)}});
  }

  // Redis went away: the items still unanswered get a call of their own.
  void fall_back(const std::string& why) {
    std::vector<ExistingItem> missing;
    for (const auto& item : items_) {
      if (!answers_.contains(item.name)) missing.push_back(item);
    }
    if (missing.empty()) return;
    obs::log_warn("registration_desk_fallback")
        .field("reason", why)
        .field("items", missing.size())
        .field("detail", "Redis unreachable: registering this job's items in a call of its own");
    for (auto& answer : register_in_one_call(api_, http_, target_, missing)) {
      answers_.try_emplace(answer.name, std::move(answer));
    }
    std::lock_guard lock(desk_.mutex_);
    ++desk_.counters_.fallbacks;
  }

  std::vector<ItemRegistration> answers() {
    std::vector<ItemRegistration> out;
    out.reserve(answers_.size());
    for (auto& [name, answer] : answers_) out.push_back(std::move(answer));
    return out;
  }

 private:
  static std::string key(const std::string& suffix, const std::string& prefix) {
    return prefix + suffix;
  }

  void put(bool repost) {
    std::vector<std::string> args = {repost ? "repost" : "put", prefix_ + "inflight:"};
    for (const auto& item : items_) {
      if (answers_.contains(item.name)) continue;
      args.push_back(job_ + "/" + item.name);
      args.push_back(item.name);
      args.push_back(encode_item(item));
    }
    if (args.size() == 2) return;
    const auto reply = redis_.eval(
        kPut,
        {prefix_ + "queue", prefix_ + "items", key("result:" + job_, root_), prefix_ + "callers"},
        args);
    if (reply.is_error()) throw redis::ConnectionError("registration desk put: " + reply.str);
    if (repost && reply.integer > 0) {
      obs::log_warn("registration_desk_repost")
          .field("items", reply.integer)
          .field("detail", "items had no answer in time and were not waiting: put again");
    }
  }

  void read_answers() {
    const auto reply = redis_.command({"HGETALL", key("result:" + job_, root_)});
    if (reply.is_error()) throw redis::ConnectionError("registration desk read: " + reply.str);
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      const std::string& name = reply.elements[i].str;
      if (answers_.contains(name)) continue;
      answers_.emplace(name, decode_answer(name, reply.elements[i + 1].str));
    }
  }

  void give_up() {
    const auto waited =
        std::chrono::duration_cast<std::chrono::seconds>(desk_.options_.give_up_after);
    for (const auto& item : items_) {
      if (answers_.contains(item.name)) continue;
      answers_.emplace(
          item.name,
          ItemRegistration{item.name, ItemRegistration::State::failed, "",
                           V7Error::retryable_error("registration desk: no answer within " +
                                                    std::to_string(waited.count()) + " s"),
                           ""});
    }
  }

  bool try_lock() {
    const auto reply = redis_.command(
        {"SET", prefix_ + "caller", caller_, "NX", "PX", ms_text(desk_.options_.caller_lease)});
    if (reply.is_error()) throw redis::ConnectionError("registration desk lock: " + reply.str);
    return !reply.is_nil();
  }

  bool renew() {
    return integer_reply(
        redis_.eval(kRenew, {prefix_ + "caller"}, {caller_, ms_text(desk_.options_.caller_lease)}),
        "registration desk renew");
  }

  void release() {
    redis_.eval(kRelease, {prefix_ + "caller", prefix_ + "queue"},
                {caller_, root_, ms_text(desk_.options_.answer_ttl)});
  }

  // Holds the lock: calls for waiting items (FIFO, any job's) until this job's are answered.
  void serve() {
    for (;;) {
      const auto moved =
          redis_.eval(kReclaim, {prefix_ + "queue", prefix_ + "callers"}, {prefix_ + "inflight:"});
      if (moved.kind == RedisValue::Kind::integer && moved.integer > 0) {
        obs::log_warn("registration_desk_reclaimed")
            .field("items", moved.integer)
            .field("detail", "a caller died or overran its lease; its items are queued again");
        std::lock_guard lock(desk_.mutex_);
        desk_.counters_.reclaimed += static_cast<std::uint64_t>(moved.integer);
      }
      const auto waiting = redis_.command({"LLEN", prefix_ + "queue"});
      if (waiting.kind != RedisValue::Kind::integer || waiting.integer == 0) break;
      // The token's wait is when other jobs' items gather on the desk.
      desk_.pacer_for(target_).prepay();
      if (!renew()) {
        desk_.pacer_for(target_).forfeit();
        return;  // the lease ran out meanwhile: someone else serves now
      }
      if (!call_once()) break;
      read_answers();
      if (answers_.size() == items_.size()) break;
      if (!renew()) return;
    }
    release();
  }

  // Takes the waiting items into this caller's in-flight list, calls V7, writes the answers.
  bool call_once() {
    const std::string inflight = prefix_ + "inflight:" + caller_;
    const auto taken =
        redis_.eval(kTake, {prefix_ + "queue", prefix_ + "items", inflight, prefix_ + "callers"},
                    {std::to_string(std::max<std::size_t>(1, desk_.options_.max_items_per_call)),
                     caller_, ms_text(desk_.options_.caller_lease)});
    if (taken.is_error()) throw redis::ConnectionError("registration desk take: " + taken.str);
    if (taken.elements.empty()) {
      desk_.pacer_for(target_).forfeit();
      return false;
    }
    std::vector<std::string> tickets;
    std::vector<ExistingItem> items;
    std::vector<std::string> args = {caller_, root_, ms_text(desk_.options_.answer_ttl)};
    for (std::size_t i = 0; i + 1 < taken.elements.size(); i += 2) {
      const std::string& ticket = taken.elements[i].str;
      std::string name = ticket.substr(ticket.find('/') + 1);
      if (auto item = decode_item(name, taken.elements[i + 1].str)) {
        items.push_back(std::move(*item));
        tickets.push_back(ticket);
      } else {
        args.push_back(ticket);
        args.push_back(
            encode_answer({name, ItemRegistration::State::failed, "",
                           V7Error::permanent("registration desk: unreadable item"), ""}));
      }
    }
    std::unordered_map<std::string, ItemRegistration> by_name;
    if (!items.empty()) {
      for (auto& answer : register_in_one_call(api_, http_, target_, items)) {
        by_name.emplace(answer.name, std::move(answer));
      }
    }
    desk_.pacer_for(target_).forfeit();  // spent by the call; nothing is kept across calls
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto it = by_name.find(items[i].name);
      args.push_back(tickets[i]);
      args.push_back(
          it != by_name.end()
              ? encode_answer(it->second)
              : encode_answer({items[i].name, ItemRegistration::State::failed, "",
                               V7Error::retryable_error(
                                   std::string(target_.readonly ? "register_existing_readonly"
                                                                : "register_existing") +
                                   " response did not mention it"),
                               ""}));
    }
    {
      std::lock_guard lock(desk_.mutex_);
      ++desk_.counters_.calls;
      desk_.counters_.items_sent += items.size();
    }
    redis_.eval(kComplete, {prefix_ + "items", inflight, prefix_ + "callers"}, args);
    return true;
  }

  RegistrationDesk& desk_;
  redis::SyncClient& redis_;
  const V7Api& api_;
  net::HttpClient& http_;
  const ExistingTarget& target_;
  const std::vector<ExistingItem>& items_;
  const std::string root_;    // "<p>regdesk:"
  const std::string prefix_;  // this desk's keys
  const std::string job_;     // this job's ticket
  const std::string caller_;  // this job's id as a caller
  std::unordered_map<std::string, ItemRegistration> answers_;
};

RegistrationDesk::RegistrationDesk(Options options, std::shared_ptr<PrepayingLimiter> pacer,
                                   std::shared_ptr<PrepayingLimiter> api_pacer)
    : options_(std::move(options)),
      key_hash_(codec::sha256_hex(options_.api_key)),
      pacer_(std::move(pacer)),
      api_pacer_(std::move(api_pacer)) {
  options_.api_key.clear();  // only the hash is needed from here on
  if (!pacer_) pacer_ = std::make_shared<PrepayingLimiter>(nullptr);
  if (!api_pacer_) api_pacer_ = std::make_shared<PrepayingLimiter>(nullptr);
}

PrepayingLimiter& RegistrationDesk::pacer_for(const ExistingTarget& target) const {
  return target.readonly ? *pacer_ : *api_pacer_;
}

RegistrationDesk::~RegistrationDesk() = default;

std::string RegistrationDesk::desk_prefix(const ExistingTarget& target) const {
  std::string identity = key_hash_;
  for (const auto& part : {target.team, target.dataset, target.storage_slug}) {
    identity += '\0';
    identity += part;
  }
  identity += '\0';
  identity += target.readonly ? "ro" : "rw";
  return options_.key_prefix + "regdesk:" + codec::sha256_hex(identity).substr(0, 16) + ":";
}

RegistrationDesk::Counters RegistrationDesk::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::unique_ptr<redis::SyncClient> RegistrationDesk::borrow_client() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_clients_.empty()) {
      auto client = std::move(idle_clients_.back());
      idle_clients_.pop_back();
      return client;
    }
  }
  return std::make_unique<redis::SyncClient>(redis::SyncClient::Options{
      options_.endpoint, options_.redis_timeout, options_.redis_timeout});
}

void RegistrationDesk::give_back(std::unique_ptr<redis::SyncClient> client) {
  std::lock_guard lock(mutex_);
  idle_clients_.push_back(std::move(client));
}

std::vector<ItemRegistration> RegistrationDesk::register_items(
    const V7Api& api, net::HttpClient& http, const ExistingTarget& target,
    const std::vector<ExistingItem>& items) {
  if (items.empty()) return {};
  auto client = borrow_client();
  Session session(*this, *client, api, http, target, items);
  try {
    session.run();
  } catch (const redis::ConnectionError& e) {
    pacer_for(target).forfeit();
    session.fall_back(e.what());
  }
  give_back(std::move(client));
  return session.answers();
}

}  // namespace patchq::v7
