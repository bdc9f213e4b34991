// V7Client: what a worker's job handler calls to talk to V7 (Darwin).
//   team_slug()      the team from the payload, or from token_info (cached) when absent
//   fetch_image()    download an item's image: API key to the V7 API origin only, bounded
//                    redirects re-checked hop by hop, size cap enforced while streaming
//   ensure_target()  check the target dataset exists (cached), create it with --create-target
//   start_upload()   a TileUploader fed while tiles are still being encoded
// Lookups (team, datasets) are cached in a V7Lookups that the clients of a worker process
// share, so concurrent jobs look each answer up once between them.
// Every result is a V7Result: retryable errors → job retry, permanent → dead letter.
// Invariant: one job thread uses a V7Client at a time; its uploads run on its own
// TransferPool (connections reused across tiles and jobs).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_client.hpp"
#include "common/net/transfer_pool.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/direct_upload_desk.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/tile_uploader.hpp"
#include "common/v7/v7_api.hpp"
#include "common/v7/v7_error.hpp"
#include "common/v7/v7_lookups.hpp"

namespace patchq::v7 {

struct V7ClientStats {
  std::uint64_t api_requests = 0;        // requests to the V7 API origin (tries included)
  std::uint64_t http_requests = 0;       // all HTTP exchanges (storage and redirects too)
  std::uint64_t connections_opened = 0;  // new connections; the rest reused one
};

class V7Client {
 public:
  // `config` must pass validate(). `limiter` may be null (no fleet rate limit). With a
  // `storage` sink (its store set), uploads go to the customer's bucket and are registered in
  // bulk, paced also by `registration_limiter` (may be null: V7 allows 100 such calls a minute).
  // `lookups` (may be null: this client's own) is the process's shared lookup cache.
  V7Client(V7ClientConfig config, std::shared_ptr<RateLimiter> limiter, StorageSink storage = {},
           std::shared_ptr<RateLimiter> registration_limiter = nullptr,
           std::shared_ptr<V7Lookups> lookups = nullptr);
  ~V7Client();
  V7Client(const V7Client&) = delete;
  V7Client& operator=(const V7Client&) = delete;

  V7Result<std::string> team_slug(std::string_view from_payload);
  // The image bytes (at most --max-image-bytes).
  V7Result<std::string> fetch_image(std::string_view url);
  // The item's annotations (V7's JSON answer, at most `max_bytes`): one API call.
  V7Result<std::string> item_annotations(std::string_view team, std::string_view item_id,
                                         std::uint64_t max_bytes);
  // The slug to upload to. Unknown dataset: permanent error, unless --create-target.
  V7Result<std::string> ensure_target(std::string_view team, std::string_view dataset);
  // V7 answered 404 for the target `slug` (deleted meanwhile): the next ensure_target() asks.
  void forget_target(std::string_view team, std::string_view slug);

  std::unique_ptr<TileUploader> start_upload(std::string team, std::string dataset);
  // The register way's journal of its own unconfirmed uploads (not owned; outlives the client).
  // Without one, a tile V7 blocks as ALREADY_EXISTS is never resumed.
  void set_upload_journal(UploadJournal* journal) { journal_ = journal; }
  // Direct mode: a job's last, partly filled direct_upload call goes to `desk` (may be null:
  // sent alone), which the process's clients share so that jobs finishing together share it.
  void share_direct_uploads(std::shared_ptr<DirectUploadDesk> desk) {
    direct_desk_ = std::move(desk);
  }

  V7ClientStats stats() const;
  const V7ClientConfig& config() const { return config_; }

 private:
  V7ClientConfig config_;
  std::shared_ptr<RateLimiter> limiter_;
  std::shared_ptr<RateLimiter> registration_limiter_;
  StorageSink storage_;
  UploadJournal* journal_ = nullptr;
  std::shared_ptr<DirectUploadDesk> direct_desk_;
  V7Api api_;
  net::HttpClient http_;  // the job thread's client: fetches and metadata calls
  net::TransferPool pool_;
  std::shared_ptr<V7Lookups> lookups_;

  // A target not in the cache: listed, or created with --create-target.
  V7Result<std::string> resolve_target(std::string_view team, std::string_view dataset);
};

}  // namespace patchq::v7
