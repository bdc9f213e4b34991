#include "common/v7/upload_journal.hpp"

#include "common/codec/sha256.hpp"
#include "common/obs/log.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::v7 {

RedisUploadJournal::RedisUploadJournal(Options options)
    : options_(std::move(options)),
      client_(std::make_unique<redis::SyncClient>(redis::SyncClient::Options{
          options_.endpoint, options_.redis_timeout, options_.redis_timeout})) {}

RedisUploadJournal::~RedisUploadJournal() = default;

std::string RedisUploadJournal::key_of(std::string_view team, std::string_view dataset,
                                       std::string_view name) const {
  std::string identity(team);
  identity += '\0';
  identity += dataset;
  identity += '\0';
  identity += name;
  return options_.key_prefix + "upload:" + codec::sha256_hex(identity).substr(0, 32);
}

bool RedisUploadJournal::opened(std::string_view team, std::string_view dataset,
                                std::string_view name, std::string_view upload_id) {
  std::lock_guard lock(mutex_);
  try {
    const auto reply = client_->command({"SET", key_of(team, dataset, name), std::string(upload_id),
                                         "EX", std::to_string(options_.ttl.count())});
    if (!reply.is_error()) return true;
    obs::log_warn("upload_journal_unavailable").field("reason", reply.str);
  } catch (const redis::ConnectionError& e) {
    obs::log_warn("upload_journal_unavailable")
        .field("reason", std::string(e.what()))
        .field("detail", "upload goes on unrecorded: a crash before its confirm leaves it empty");
  }
  return false;
}

void RedisUploadJournal::closed(std::string_view team, std::string_view dataset,
                                std::string_view name) {
  std::lock_guard lock(mutex_);
  try {
    client_->command({"DEL", key_of(team, dataset, name)});
  } catch (const redis::ConnectionError&) {
    // The record expires; an open record of a confirmed upload only leads to a sign V7 refuses
    // or a PUT of patchq's own bytes for its own upload.
  }
}

std::optional<std::string> RedisUploadJournal::open_upload(std::string_view team,
                                                           std::string_view dataset,
                                                           std::string_view name) {
  std::lock_guard lock(mutex_);
  try {
    const auto reply = client_->command({"GET", key_of(team, dataset, name)});
    if (reply.kind == redis::RedisValue::Kind::string) return reply.str;
  } catch (const redis::ConnectionError& e) {
    obs::log_warn("upload_journal_unavailable")
        .field("reason", std::string(e.what()))
        .field("detail", "blocked items count as done without resuming");
  }
  return std::nullopt;
}

}  // namespace patchq::v7
