#include "common/v7/v7_client.hpp"

namespace patchq::v7 {

V7Client::V7Client(V7ClientConfig config, std::shared_ptr<RateLimiter> limiter, StorageSink storage,
                   std::shared_ptr<RateLimiter> registration_limiter,
                   std::shared_ptr<V7Lookups> lookups)
    : config_(std::move(config)),
      limiter_(std::move(limiter)),
      registration_limiter_(std::move(registration_limiter)),
      storage_(std::move(storage)),
      api_(config_, limiter_.get(), registration_limiter_.get()),
      http_(api_.http_options()),
      pool_(static_cast<std::size_t>(std::max<std::int64_t>(1, config_.upload_concurrency)),
            api_.http_options()),
      lookups_(lookups ? std::move(lookups) : std::make_shared<V7Lookups>()) {}

V7Client::~V7Client() = default;

V7Result<std::string> V7Client::team_slug(std::string_view from_payload) {
  if (!from_payload.empty()) return std::string(from_payload);
  return lookups_->token_team([this] { return api_.token_team(http_); });
}

V7Result<std::string> V7Client::fetch_image(std::string_view url) {
  return api_.fetch(http_, url, config_.max_image_bytes);
}

V7Result<std::string> V7Client::item_annotations(std::string_view team, std::string_view item_id,
                                                 std::uint64_t max_bytes) {
  return api_.item_annotations(http_, team, item_id, max_bytes);
}

// The target is a slug (as ?target= documents) or a dataset's name; V7 derives slugs from
// names, so the two differ for names with capitals or spaces, and after a 422 "name has already
// been taken" the slug must be looked up, not assumed to be the name.
V7Result<std::string> V7Client::ensure_target(std::string_view team, std::string_view dataset) {
  return lookups_->dataset(team, dataset, [&] { return resolve_target(team, dataset); });
}

V7Result<std::string> V7Client::resolve_target(std::string_view team, std::string_view dataset) {
  const auto list = [this] { return api_.list_datasets(http_); };
  auto found = lookups_->list_and_find(team, dataset, list);
  if (!found) return found.error();
  if (*found) return **found;
  if (!config_.create_target) {
    return V7Error::permanent("target dataset '" + std::string(dataset) +
                              "' does not exist in team '" + std::string(team) +
                              "' (create it in V7, or run with --create-target)");
  }
  auto created = api_.create_dataset(http_, dataset);
  if (!created) return created.error();
  if (*created) {
    lookups_->remember_created(team, dataset, **created);
    return **created;
  }
  // Taken meanwhile (another worker, or another lane, created it): its slug is in a fresh
  // listing.
  auto again = lookups_->list_and_find(team, dataset, list);
  if (!again) return again.error();
  if (*again) return **again;
  // The listing may have been one another lane started before the creation: try again later.
  return V7Error::retryable_error("target dataset '" + std::string(dataset) +
                                  "': V7 says the name is taken, but no dataset in the list has "
                                  "it (yet)");
}

void V7Client::forget_target(std::string_view team, std::string_view slug) {
  lookups_->forget_dataset(team, slug);
}

std::unique_ptr<TileUploader> V7Client::start_upload(std::string team, std::string dataset) {
  UploadTuning tuning;
  tuning.mode = upload_mode(config_);
  tuning.register_batch = config_.register_batch;
  tuning.direct_call_bytes = config_.direct_upload_call_bytes;
  tuning.direct_calls_in_flight = pool_.size();
  tuning.journal = journal_;
  tuning.direct_desk = direct_desk_.get();
  if (storage_.store != nullptr) {
    tuning.mode = UploadMode::storage;
    tuning.storage = storage_;
    tuning.storage_tries = config_.quick_tries;
    tuning.storage_backoff = {config_.quick_backoff_base, config_.quick_backoff_cap};
  }
  return std::make_unique<TileUploader>(api_, pool_, std::move(team), std::move(dataset), tuning);
}

V7ClientStats V7Client::stats() const {
  const auto pool = pool_.stats();
  return V7ClientStats{api_.api_requests(), http_.stats().requests + pool.requests,
                       http_.stats().connections_opened + pool.connections_opened};
}

}  // namespace patchq::v7
