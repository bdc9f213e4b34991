// BackfillCursor (see backfill_cursor.hpp).
#include "common/queue/backfill_cursor.hpp"

#include <algorithm>
#include <array>

#include "common/clock/unix_ms.hpp"
#include "common/codec/sha256.hpp"
#include "common/queue/job_queue.hpp"

namespace patchq::queue {
namespace {

constexpr std::size_t kRunIdHexDigits = 32;

std::int64_t int_field(const redis::RedisValue& reply, std::string_view name) {
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].str == name) {
      try {
        return std::stoll(reply.elements[i + 1].str);
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

std::string string_field(const redis::RedisValue& reply, std::string_view name) {
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].str == name) return reply.elements[i + 1].str;
  }
  return {};
}

void throw_on_error(const redis::RedisValue& reply, std::string_view what) {
  if (reply.is_error()) throw QueueError(std::string(what) + ": " + reply.str);
}

}  // namespace

BackfillCursor::BackfillCursor(redis::SyncClient& client, KeySchema keys, std::string run_id)
    : client_(client), keys_(std::move(keys)), run_id_(std::move(run_id)) {}

std::string BackfillCursor::run_id(std::string_view export_identity, std::string_view target) {
  const std::string separator(1, '\0');
  const auto digest = codec::sha256({export_identity, separator, target});
  std::array<char, 64> buffer;
  return std::string(codec::to_hex(digest, buffer).substr(0, kRunIdHexDigits));
}

BackfillState BackfillCursor::load() {
  const auto replies = client_.pipeline(
      {{"HGETALL", keys_.backfill(run_id_)}, {"SMEMBERS", keys_.backfill_unresolved(run_id_)}});
  throw_on_error(replies[0], "reading the backfill cursor");
  throw_on_error(replies[1], "reading the backfill cursor");
  BackfillState state;
  state.exists = !replies[0].elements.empty();
  state.cursor = string_field(replies[0], "cursor");
  state.handled = int_field(replies[0], "handled");
  state.bad = int_field(replies[0], "bad");
  state.started_at_ms = int_field(replies[0], "started_at");
  state.finished_at_ms = int_field(replies[0], "finished_at");
  for (const auto& member : replies[1].elements) state.unresolved.push_back(member.str);
  std::sort(state.unresolved.begin(), state.unresolved.end());
  return state;
}

void BackfillCursor::begin(std::string_view export_label, std::string_view target,
                           std::int64_t entries) {
  const std::string key = keys_.backfill(run_id_);
  const std::string now = std::to_string(clock::unix_ms());
  std::vector<std::vector<std::string>> commands = {
      {"HSETNX", key, "started_at", now},
      {"HSET", key, "export", std::string(export_label), "target", std::string(target), "entries",
       std::to_string(entries), "updated_at", now, "finished_at", "0"}};
  for (auto& c : expiries()) commands.push_back(std::move(c));
  run_transaction(std::move(commands));
}

std::vector<std::string> BackfillCursor::cursor_step(std::string_view entry, bool advance) const {
  std::vector<std::string> hset = {"HSET", keys_.backfill(run_id_), "updated_at",
                                   std::to_string(clock::unix_ms())};
  if (advance) {
    hset.push_back("cursor");
    hset.emplace_back(entry);
  }
  return hset;
}

std::vector<std::vector<std::string>> BackfillCursor::expiries() const {
  const std::string ttl = std::to_string(kBackfillCursorTtl.count());
  return {{"EXPIRE", keys_.backfill(run_id_), ttl},
          {"EXPIRE", keys_.backfill_unresolved(run_id_), ttl}};
}

void BackfillCursor::run_transaction(std::vector<std::vector<std::string>> commands) {
  commands.insert(commands.begin(), {"MULTI"});
  commands.push_back({"EXEC"});
  const auto replies = client_.pipeline(commands);
  throw_on_error(replies.back(), "updating the backfill cursor");
}

EnqueueOutcome BackfillCursor::enqueue(EnqueueRequest job, std::string_view entry, bool advance) {
  std::vector<EnqueueRequest> one;
  one.push_back(std::move(job));
  std::vector<std::vector<std::string>> commands = {{"MULTI"}};
  for (auto& c : build_enqueue_transaction(keys_, one, EnqueuePolicy{})) {
    commands.push_back(std::move(c));
  }
  const std::size_t enqueue_replies = commands.size() - 1;  // what parse_... expects
  commands.push_back({"SREM", keys_.backfill_unresolved(run_id_), std::string(entry)});
  commands.push_back({"HINCRBY", keys_.backfill(run_id_), "handled", "1"});
  commands.push_back(cursor_step(entry, advance));
  for (auto& c : expiries()) commands.push_back(std::move(c));
  commands.push_back({"EXEC"});
  const auto replies = client_.pipeline(commands);
  redis::RedisValue exec = replies.back();
  if (exec.is_array() && exec.elements.size() >= enqueue_replies) {
    exec.elements.resize(enqueue_replies);
  }
  return parse_enqueue_transaction_reply(exec, 1).front();
}

void BackfillCursor::mark_bad(std::string_view entry, bool advance) {
  std::vector<std::vector<std::string>> commands = {
      {"SREM", keys_.backfill_unresolved(run_id_), std::string(entry)},
      {"HINCRBY", keys_.backfill(run_id_), "handled", "1"},
      {"HINCRBY", keys_.backfill(run_id_), "bad", "1"},
      cursor_step(entry, advance)};
  for (auto& c : expiries()) commands.push_back(std::move(c));
  run_transaction(std::move(commands));
}

void BackfillCursor::mark_unresolved(std::string_view entry, bool advance) {
  std::vector<std::vector<std::string>> commands = {
      {"SADD", keys_.backfill_unresolved(run_id_), std::string(entry)},
      cursor_step(entry, advance)};
  for (auto& c : expiries()) commands.push_back(std::move(c));
  run_transaction(std::move(commands));
}

void BackfillCursor::finish() {
  std::vector<std::vector<std::string>> commands = {
      {"HSET", keys_.backfill(run_id_), "finished_at", std::to_string(clock::unix_ms())}};
  for (auto& c : expiries()) commands.push_back(std::move(c));
  run_transaction(std::move(commands));
}

void BackfillCursor::reset() {
  const auto reply =
      client_.command({"DEL", keys_.backfill(run_id_), keys_.backfill_unresolved(run_id_)});
  throw_on_error(reply, "resetting the backfill cursor");
}

}  // namespace patchq::queue
