// UploadJournal: the register way's record of the uploads patchq registered and has not seen
// confirmed, so that a later attempt resumes only its own half-finished uploads.
// V7 blocks a name it has with ALREADY_EXISTS, but whether a second sign of a confirmed upload
// is refused (409) or signed again (a URL whose PUT would overwrite the stored file) is not
// documented. So the uploader resumes a blocked item only when the journal says patchq
// registered it and never confirmed it; every other ALREADY_EXISTS item is done, full stop,
// and is neither signed nor PUT again. Without a journal nothing is ever resumed.
//
// RedisUploadJournal: one key per open upload, "<p>upload:<hash of team, dataset, name>" ->
// upload_id, written before the first sign and deleted after the confirm (7-day TTL). Redis
// unreachable: opened() reports false (the upload goes on; only a crash before its confirm
// would leave it unresumable) and open_upload() answers nothing (safe: no overwrite).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/redis/redis_url.hpp"

namespace patchq::redis {
class SyncClient;
}

namespace patchq::v7 {

class UploadJournal {
 public:
  virtual ~UploadJournal() = default;
  // Before the first sign of an upload this attempt registered; false when not recorded.
  virtual bool opened(std::string_view team, std::string_view dataset, std::string_view name,
                      std::string_view upload_id) = 0;
  // After V7 confirmed it (or said there is nothing left to upload).
  virtual void closed(std::string_view team, std::string_view dataset, std::string_view name) = 0;
  // The upload_id patchq registered for this tile and has not seen confirmed, if any.
  virtual std::optional<std::string> open_upload(std::string_view team, std::string_view dataset,
                                                 std::string_view name) = 0;
};

class RedisUploadJournal : public UploadJournal {
 public:
  struct Options {
    redis::RedisEndpoint endpoint;
    std::string key_prefix = "patchq:";
    std::chrono::seconds ttl{7 * 24 * 3600};
    std::chrono::milliseconds redis_timeout{1000};
  };
  explicit RedisUploadJournal(Options options);
  ~RedisUploadJournal() override;

  bool opened(std::string_view team, std::string_view dataset, std::string_view name,
              std::string_view upload_id) override;
  void closed(std::string_view team, std::string_view dataset, std::string_view name) override;
  std::optional<std::string> open_upload(std::string_view team, std::string_view dataset,
                                         std::string_view name) override;

  std::string key_of(std::string_view team, std::string_view dataset, std::string_view name) const;

 private:
  Options options_;
  std::mutex mutex_;  // one connection, shared by the upload threads
  std::unique_ptr<redis::SyncClient> client_;
};

}  // namespace patchq::v7
