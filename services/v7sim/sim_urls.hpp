// SimUrls: every URL the simulator hands out, and the signed tokens of its storage URLs.
//   file URL (in payloads):  <public>/api/v2/teams/<team>/uploads/<upload_id>   needs ApiKey
//   download (302 target):   <public>/_storage/files/<upload_id>?token=<t>      token only
//   upload (from sign):      <public>/_storage/upload/<upload_id>?token=<t>     token only
// A token is "<expiry unix s>.<hex HMAC-SHA256(key, purpose \n upload_id \n expiry)>", like a
// presigned S3 URL: it grants one action on one upload until it expires, and is compared in
// constant time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace patchq::v7sim {

enum class StorageAction { download, upload };

class SimUrls {
 public:
  SimUrls(std::string public_url, std::string team, std::string signing_key,
          std::chrono::seconds token_ttl = std::chrono::hours(1));

  const std::string& public_url() const { return public_url_; }
  const std::string& team() const { return team_; }

  std::string file_url(std::string_view upload_id) const;
  std::string signed_storage_url(StorageAction action, std::string_view upload_id) const;
  bool verify(StorageAction action, std::string_view upload_id, std::string_view token) const;

  std::string dataset_management_url(std::int64_t dataset_id) const;
  std::string workview_url(std::int64_t dataset_id, std::string_view item_id) const;

 private:
  std::string sign(StorageAction action, std::string_view upload_id, std::int64_t expiry) const;

  std::string public_url_;  // no trailing '/'
  std::string team_;
  std::string signing_key_;
  std::chrono::seconds token_ttl_;
};

}  // namespace patchq::v7sim
