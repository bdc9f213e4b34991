// SimUrls: see sim_urls.hpp.
#include "services/v7sim/sim_urls.hpp"

#include <charconv>

#include "common/codec/hmac.hpp"
#include "common/http/target.hpp"
#include "services/v7sim/codec.hpp"

namespace patchq::v7sim {

namespace {

std::string_view action_name(StorageAction action) {
  return action == StorageAction::download ? "download" : "upload";
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SimUrls::SimUrls(std::string public_url, std::string team, std::string signing_key,
                 std::chrono::seconds token_ttl)
    : public_url_(std::move(public_url)),
      team_(std::move(team)),
      signing_key_(std::move(signing_key)),
      token_ttl_(token_ttl) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string SimUrls::file_url(std::string_view upload_id) const {
  return public_url_ + "/api/v2/teams/" + http::percent_encode(team_) + "/uploads/" +
         http::percent_encode(upload_id);
}

std::string SimUrls::signed_storage_url(StorageAction action, std::string_view upload_id) const {
  const std::int64_t expiry = now_unix() + token_ttl_.count();
  const std::string folder = action == StorageAction::download ? "files" : "upload";
  return public_url_ + "/_storage/" + folder + "/" + http::percent_encode(upload_id) +
         "?token=" + std::to_string(expiry) + "." + sign(action, upload_id, expiry);
}

bool SimUrls::verify(StorageAction action, std::string_view upload_id,
                     std::string_view token) const {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  std::int64_t expiry = 0;
  const auto digits = token.substr(0, dot);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), expiry);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return false;
  if (expiry < now_unix()) return false;
  return equal_constant_time(token.substr(dot + 1), sign(action, upload_id, expiry));
}

std::string SimUrls::sign(StorageAction action, std::string_view upload_id,
                          std::int64_t expiry) const {
  std::string message(action_name(action));
  message += "\n";
  message += upload_id;
  message += "\n" + std::to_string(expiry);
  return codec::hmac_sha256_hex(signing_key_, message);
}

std::string SimUrls::dataset_management_url(std::int64_t dataset_id) const {
  return public_url_ + "/datasets/" + std::to_string(dataset_id) + "/dataset-management";
}

std::string SimUrls::workview_url(std::int64_t dataset_id, std::string_view item_id) const {
  return public_url_ + "/workview?dataset=" + std::to_string(dataset_id) +
         "&item=" + std::string(item_id);
}

}  // namespace patchq::v7sim
