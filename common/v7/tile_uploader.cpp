#include "common/v7/tile_uploader.hpp"

#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "common/v7/api_messages.hpp"

namespace patchq::v7 {
namespace {

// V7's reasons are upper case today; darwin-py upper-cases them before comparing, so do we.
bool is_already_exists(std::string_view reason) {
  constexpr std::string_view kAlreadyExists = "ALREADY_EXISTS";
  if (reason.size() != kAlreadyExists.size()) return false;
  for (std::size_t i = 0; i < reason.size(); ++i) {
    const char c =
        reason[i] >= 'a' && reason[i] <= 'z' ? static_cast<char>(reason[i] - 32) : reason[i];
    if (c != kAlreadyExists[i]) return false;
  }
  return true;
}

V7Error for_tile(const std::string& name, V7Error error) {
  error.reason = "tile " + name + ": " + error.reason;
  return error;
}

V7Error from_storage(const std::string& name, const storage::StorageError& error) {
  std::string reason = "tile " + name + ": storage: " + error.reason;
  return error.retryable() ? V7Error::retryable_error(std::move(reason), error.http_status)
                           : V7Error::permanent(std::move(reason), error.http_status);
}

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".jpg") || name.ends_with(".jpeg")) return "image/jpeg";
  if (name.ends_with(".webp")) return "image/webp";
  return "application/octet-stream";
}

}  // namespace

std::string storage_object_name(std::string_view dataset, std::string_view tile_name) {
  return std::string(dataset) + "/" + std::string(tile_name);
}

std::string storage_thumbnail_name(std::string_view dataset, std::string_view tile_name) {
  const auto dot = tile_name.rfind('.');
  return std::string(dataset) + "/thumbnails/" + std::string(tile_name.substr(0, dot)) + ".jpg";
}

std::string_view to_string(TileOutcome outcome) {
  switch (outcome) {
    case TileOutcome::uploaded:
      return "uploaded";
    case TileOutcome::already_existed:
      return "already_existed";
    case TileOutcome::failed:
      return "failed";
  }
  return "failed";
}

std::optional<V7Error> UploadReport::job_error() const {
  std::optional<V7Error> first_permanent;
  for (const auto& tile : tiles) {
    if (tile.outcome != TileOutcome::failed || !tile.error) continue;
    if (tile.error->retryable()) return tile.error;
    if (!first_permanent) first_permanent = tile.error;
  }
  return first_permanent;
}

TileUploader::TileUploader(const V7Api& api, net::TransferPool& pool, std::string team,
                           std::string dataset, UploadTuning tuning)
    : api_(api),
      pool_(pool),
      share_(ShareScope::current()),
      team_(std::move(team)),
      dataset_(std::move(dataset)),
      tuning_(tuning),
      direct_envelope_bytes_(direct_upload_envelope_bytes(dataset_)) {}

void TileUploader::submit(net::TransferPool::Task task) {
  // The pool's threads serve every job of the process: each task counts to its job's share.
  pool_.submit([share = share_, task = std::move(task)](net::HttpClient& http) mutable {
    const ShareHandOver scope(share);
    task(http);
  });
}

TileUploader::~TileUploader() {
  std::unique_lock lock(mutex_);
  finished_ = true;  // waiting direct tiles leave now, so the wait below ends
  dispatch();
  changed_.wait(
      lock, [&] { return tasks_in_flight_ == 0 && to_register_.empty() && to_direct_.empty(); });
}

void TileUploader::add(Tile tile) {
  std::lock_guard lock(mutex_);
  if (finished_) throw std::logic_error("TileUploader::add after finish");
  const std::size_t index = entries_.size();
  Entry& entry = entries_.emplace_back();
  entry.result.name = tile.name;
  entry.tile = std::move(tile);
  if (!by_name_.emplace(entry.tile.name, index).second) {
    complete(index, TileOutcome::failed,
             V7Error::permanent("tile " + entry.tile.name + ": duplicate tile name in one job"));
    return;
  }
  if (tuning_.mode == UploadMode::storage) {
    ++storing_;
    ++tasks_in_flight_;
    submit([this, index](net::HttpClient& http) { run_store(http, index); });
    return;
  }
  if (tuning_.mode == UploadMode::direct) {
    entry.direct_bytes = direct_upload_item_bytes(
        {entry.tile.name, entry.tile.path, entry.tile.view(), entry.tile.tags});
    if (direct_envelope_bytes_ + entry.direct_bytes - 1 <= tuning_.direct_call_bytes) {
      to_direct_.push_back(index);
      dispatch();
      return;
    }
    ++registered_way_;  // too large for any direct_upload call: the register way takes it
  }
  to_register_.push_back(index);
  dispatch();
}

UploadReport TileUploader::finish() {
  std::unique_lock lock(mutex_);
  finished_ = true;
  dispatch();  // the last, partly filled direct call
  changed_.wait(lock, [&] { return done_count_ == entries_.size() && tasks_in_flight_ == 0; });
  UploadReport report;
  report.tiles.reserve(entries_.size());
  for (auto& entry : entries_) {
    switch (entry.result.outcome) {
      case TileOutcome::uploaded:
        ++report.uploaded;
        break;
      case TileOutcome::already_existed:
        ++report.already_existed;
        break;
      case TileOutcome::failed:
        ++report.failed;
        break;
    }
    if (entry.resumed && entry.result.outcome == TileOutcome::uploaded) ++report.resumed;
    report.tiles.push_back(std::move(entry.result));
  }
  report.registered_way = registered_way_;
  report.bytes_sent = bytes_sent_;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_);
  return report;
}

void TileUploader::dispatch() {
  dispatch_register();
  dispatch_direct();
  dispatch_existing();
}

void TileUploader::dispatch_existing() {
  if (registering_existing_ || to_existing_.empty()) return;
  const std::size_t batch_size = std::max<std::size_t>(1, tuning_.storage.register_batch);
  // Like direct calls, registrations leave full, or with the rest once every PUT is done.
  if (to_existing_.size() < batch_size && !(finished_ && storing_ == 0)) return;
  const std::size_t n = std::min(to_existing_.size(), batch_size);
  std::vector<std::size_t> batch(to_existing_.begin(), to_existing_.begin() + static_cast<long>(n));
  to_existing_.erase(to_existing_.begin(), to_existing_.begin() + static_cast<long>(n));
  registering_existing_ = true;
  ++tasks_in_flight_;
  submit([this, batch = std::move(batch)](net::HttpClient& http) mutable {
    run_register_existing(http, std::move(batch));
  });
}

void TileUploader::run_store(net::HttpClient& http, std::size_t index) {
  std::string_view bytes;
  std::string_view thumbnail;
  std::string name;
  {
    std::lock_guard lock(mutex_);
    bytes = entries_[index].tile.view();  // stable until this task releases them
    const auto& thumb = entries_[index].tile.thumbnail;
    thumbnail = {reinterpret_cast<const char*>(thumb.data()), thumb.size()};
    name = entries_[index].tile.name;
  }
  const storage::ObjectStore& store = *tuning_.storage.store;
  std::optional<V7Error> error;
  auto put = put_with_retries(http, store.storage_key(storage_object_name(dataset_, name)), bytes,
                              content_type_of(name));
  if (!put) {
    error = from_storage(name, put.error());
  } else if (tuning_.storage.readonly) {
    if (thumbnail.empty()) {
      error = V7Error::permanent("tile " + name + ": read-only storage needs a thumbnail");
    } else if (auto thumb_put =
                   put_with_retries(http, store.storage_key(storage_thumbnail_name(dataset_, name)),
                                    thumbnail, "image/jpeg");
               !thumb_put) {
      error = from_storage(name, thumb_put.error());
    }
  }
  std::lock_guard lock(mutex_);
  --storing_;
  Entry& entry = entries_[index];
  if (error) {
    complete(index, TileOutcome::failed, std::move(error));
  } else {
    entry.stored_bytes = entry.tile.bytes.size();
    std::vector<unsigned char>().swap(entry.tile.bytes);  // in the bucket: no longer needed
    std::vector<unsigned char>().swap(entry.tile.thumbnail);
    to_existing_.push_back(index);
  }
  dispatch();
  task_done();
}

storage::StorageStatus TileUploader::put_with_retries(net::HttpClient& http, const std::string& key,
                                                      std::string_view bytes,
                                                      std::string_view content_type) const {
  for (int attempt = 0;; ++attempt) {
    auto put = tuning_.storage.store->put(http, key, bytes, content_type);
    if (put || !put.error().retryable() || attempt + 1 >= tuning_.storage_tries) return put;
    std::this_thread::sleep_for(
        retry::backoff_delay(tuning_.storage_backoff, attempt, std::nullopt, retry::thread_rng()));
  }
}

void TileUploader::run_register_existing(net::HttpClient& http, std::vector<std::size_t> batch) {
  std::vector<ExistingItem> items;
  {
    std::lock_guard lock(mutex_);
    const storage::ObjectStore& store = *tuning_.storage.store;
    for (std::size_t index : batch) {
      const Tile& tile = entries_[index].tile;
      ExistingItem item;
      item.name = tile.name;
      item.path = tile.path;
      item.storage_key = store.storage_key(storage_object_name(dataset_, tile.name));
      item.tags = tile.tags;
      if (tuning_.storage.readonly) {
        item.storage_thumbnail_key = store.storage_key(storage_thumbnail_name(dataset_, tile.name));
        item.width = tile.width;
        item.height = tile.height;
      }
      items.push_back(std::move(item));
    }
  }
  const ExistingTarget target{team_, dataset_, tuning_.storage.slug, tuning_.storage.readonly};
  const auto answers = tuning_.storage.registrar != nullptr
                           ? tuning_.storage.registrar->register_items(api_, http, target, items)
                           : register_in_one_call(api_, http, target, items);
  std::lock_guard lock(mutex_);
  apply_existing(batch, answers);
  registering_existing_ = false;
  dispatch();
  task_done();
}

void TileUploader::apply_existing(const std::vector<std::size_t>& batch,
                                  const std::vector<ItemRegistration>& answers) {
  for (const auto& answer : answers) {
    auto it = by_name_.find(answer.name);
    if (it == by_name_.end()) continue;
    entries_[it->second].result.item_id = answer.item_id;
    switch (answer.state) {
      case ItemRegistration::State::registered:
        complete(it->second, TileOutcome::uploaded, std::nullopt);
        break;
      case ItemRegistration::State::blocked:
        if (is_already_exists(answer.blocked_reason)) {
          complete(it->second, TileOutcome::already_existed, std::nullopt);
        } else {
          complete(it->second, TileOutcome::failed,
                   V7Error::permanent("tile " + answer.name +
                                      ": blocked by V7: " + answer.blocked_reason));
        }
        break;
      case ItemRegistration::State::failed:
        complete(it->second, TileOutcome::failed,
                 for_tile(answer.name, answer.error.value_or(V7Error::retryable_error(
                                           "registration failed without a reason"))));
        break;
    }
  }
  // A tile V7 neither registered nor blocked: do not count it as uploaded.
  const std::string_view call =
      tuning_.storage.readonly ? "register_existing_readonly" : "register_existing";
  for (std::size_t index : batch) {
    if (!entries_[index].done) {
      complete(index, TileOutcome::failed,
               V7Error::retryable_error("tile " + entries_[index].tile.name + ": " +
                                        std::string(call) + " response did not mention it"));
    }
  }
}

void TileUploader::dispatch_register() {
  if (registering_ || to_register_.empty()) return;
  const std::size_t n =
      std::min(to_register_.size(), std::max<std::size_t>(1, tuning_.register_batch));
  std::vector<std::size_t> batch(to_register_.begin(), to_register_.begin() + static_cast<long>(n));
  to_register_.erase(to_register_.begin(), to_register_.begin() + static_cast<long>(n));
  registering_ = true;
  ++tasks_in_flight_;
  submit([this, batch = std::move(batch)](net::HttpClient& http) mutable {
    run_register(http, std::move(batch));
  });
}

void TileUploader::dispatch_direct() {
  const std::size_t slots = std::max<std::size_t>(1, tuning_.direct_calls_in_flight);
  while (direct_in_flight_ < slots && !to_direct_.empty()) {
    std::size_t request_bytes = direct_envelope_bytes_ - 1;  // no separator after the last item
    std::size_t taken = 0;
    const std::size_t items_cap = std::max<std::size_t>(1, tuning_.direct_call_items);
    for (; taken < to_direct_.size() && taken < items_cap; ++taken) {
      const std::size_t size = entries_[to_direct_[taken]].direct_bytes;
      if (taken > 0 && request_bytes + size > tuning_.direct_call_bytes) break;
      request_bytes += size;
    }
    // A call leaves full (the next tile did not fit) or, once no more tiles come, with the rest.
    const bool full = taken < to_direct_.size();
    if (!full && !finished_) return;
    std::vector<std::size_t> batch(to_direct_.begin(),
                                   to_direct_.begin() + static_cast<long>(taken));
    to_direct_.erase(to_direct_.begin(), to_direct_.begin() + static_cast<long>(taken));
    ++direct_in_flight_;
    ++tasks_in_flight_;
    const bool shared = !full && tuning_.direct_desk != nullptr;
    submit([this, batch = std::move(batch), shared](net::HttpClient& http) mutable {
      run_direct(http, std::move(batch), shared);
    });
  }
}

void TileUploader::complete(std::size_t index, TileOutcome outcome, std::optional<V7Error> error) {
  Entry& entry = entries_[index];
  if (entry.done) return;
  entry.done = true;
  entry.result.outcome = outcome;
  entry.result.error = std::move(error);
  if (outcome == TileOutcome::uploaded) bytes_sent_ += entry.tile.bytes.size() + entry.stored_bytes;
  std::vector<unsigned char>().swap(entry.tile.bytes);  // the bytes are no longer needed
  ++done_count_;
  changed_.notify_all();
}

void TileUploader::task_done() {
  --tasks_in_flight_;
  changed_.notify_all();
}

void TileUploader::apply_registration(const std::vector<std::size_t>& batch,
                                      const V7Result<RegisterResponse>& response,
                                      std::string_view call) {
  // Only register_upload leaves files to send; the other calls stored them already.
  const bool direct = call != "register_upload";
  if (!response) {
    for (std::size_t index : batch) {
      complete(index, TileOutcome::failed, for_tile(entries_[index].tile.name, response.error()));
    }
    return;
  }
  // Answers are matched to this batch's tiles by name; a shared call's answer names other
  // jobs' tiles too, and one of this job's tiles may be in another call still.
  std::unordered_map<std::string_view, std::size_t> in_batch;
  for (std::size_t index : batch) in_batch.emplace(entries_[index].tile.name, index);
  for (const auto& blocked : response->blocked) {
    auto it = in_batch.find(blocked.name);
    if (it == in_batch.end()) continue;
    const bool exists = is_already_exists(blocked.reason);
    if (exists) entries_[it->second].result.item_id = blocked.id;
    if (exists && !direct && tuning_.journal != nullptr) {
      // Resumed only if the journal says it is patchq's own unconfirmed upload (run_resume).
      ++tasks_in_flight_;
      submit([this, index = it->second, id = blocked.upload_id](net::HttpClient& http) {
        run_resume(http, index, id);
      });
    } else if (exists) {
      complete(it->second, TileOutcome::already_existed, std::nullopt);
    } else {
      complete(it->second, TileOutcome::failed,
               V7Error::permanent("tile " + blocked.name + ": blocked by V7: " + blocked.reason));
    }
  }
  for (const auto& item : response->items) {
    auto it = in_batch.find(item.name);
    if (it == in_batch.end() || entries_[it->second].done) continue;
    entries_[it->second].result.item_id = item.id;
    if (direct) {
      complete(it->second, TileOutcome::uploaded, std::nullopt);
    } else {
      ++tasks_in_flight_;
      submit([this, index = it->second, id = item.upload_id](net::HttpClient& http) {
        run_transfer(http, index, id);
      });
    }
  }
  // A tile V7 neither registered nor blocked: do not count it as uploaded.
  std::unordered_set<std::string_view> mentioned;
  for (const auto& item : response->items) mentioned.insert(item.name);
  for (const auto& item : response->blocked) mentioned.insert(item.name);
  for (std::size_t index : batch) {
    if (!entries_[index].done && !mentioned.contains(entries_[index].tile.name)) {
      complete(index, TileOutcome::failed,
               V7Error::retryable_error("tile " + entries_[index].tile.name + ": " +
                                        std::string(call) + " response did not mention it"));
    }
  }
}

void TileUploader::run_register(net::HttpClient& http, std::vector<std::size_t> batch) {
  std::vector<UploadItem> items;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t index : batch) {
      const Tile& tile = entries_[index].tile;
      items.push_back({tile.name, tile.path, tile.tags});
    }
  }
  auto response = api_.register_upload(http, team_, dataset_, items);
  std::lock_guard lock(mutex_);
  apply_registration(batch, response, "register_upload");
  registering_ = false;
  dispatch();
  task_done();
}

void TileUploader::run_direct(net::HttpClient& http, std::vector<std::size_t> batch, bool shared) {
  std::vector<DirectUploadItem> items;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t index : batch) {
      const Tile& tile = entries_[index].tile;  // stable: only complete() releases the bytes
      items.push_back({tile.name, tile.path, tile.view(), tile.tags});
    }
  }
  // A shared call's answer names other jobs' tiles too: apply_registration matches by name.
  auto response = shared ? tuning_.direct_desk->upload(api_, http, team_, dataset_, items)
                         : api_.direct_upload(http, team_, dataset_, items);
  std::lock_guard lock(mutex_);
  apply_registration(batch, response, "direct_upload");
  --direct_in_flight_;
  dispatch();
  task_done();
}

void TileUploader::run_transfer(net::HttpClient& http, std::size_t index, std::string upload_id) {
  if (tuning_.journal != nullptr) {
    std::string name;
    {
      std::lock_guard lock(mutex_);
      name = entries_[index].tile.name;
    }
    tuning_.journal->opened(team_, dataset_, name, upload_id);  // before the first sign
  }
  auto url = api_.sign(http, team_, upload_id);
  if (!url) {
    std::lock_guard lock(mutex_);
    complete(index, TileOutcome::failed, for_tile(entries_[index].tile.name, url.error()));
    task_done();
    return;
  }
  finish_transfer(http, index, upload_id, *url);
}

void TileUploader::run_resume(net::HttpClient& http, std::size_t index,
                              std::string blocked_upload_id) {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    name = entries_[index].tile.name;
  }
  const auto recorded = tuning_.journal->open_upload(team_, dataset_, name);
  const bool ours = recorded && (blocked_upload_id.empty() || blocked_upload_id == *recorded);
  if (!ours) {
    // Not an upload patchq left unfinished: the item is V7's as it is.
    std::lock_guard lock(mutex_);
    complete(index, TileOutcome::already_existed, std::nullopt);
    task_done();
    return;
  }
  auto url = api_.sign(http, team_, *recorded);
  if (!url) {
    const int status = url.error().http_status;
    const bool complete_already = status == 404 || status == 409 || status == 410 || status == 422;
    if (complete_already) tuning_.journal->closed(team_, dataset_, name);
    std::lock_guard lock(mutex_);
    if (complete_already) {
      complete(index, TileOutcome::already_existed, std::nullopt);
    } else {
      complete(index, TileOutcome::failed, for_tile(name, url.error()));
    }
    task_done();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    entries_[index].resumed = true;
  }
  finish_transfer(http, index, *recorded, *url);
}

void TileUploader::finish_transfer(net::HttpClient& http, std::size_t index,
                                   const std::string& upload_id, const std::string& upload_url) {
  std::string_view bytes;
  std::string name;
  {
    std::lock_guard lock(mutex_);
    bytes = entries_[index].tile.view();  // stable: only complete() releases them
    name = entries_[index].tile.name;
  }
  std::optional<V7Error> error;
  if (auto put = api_.put_to_storage(http, upload_url, bytes); !put) {
    error = put.error();
  } else if (auto confirmed = api_.confirm(http, team_, upload_id); !confirmed) {
    error = confirmed.error();
  } else if (tuning_.journal != nullptr) {
    tuning_.journal->closed(team_, dataset_, name);
  }
  std::lock_guard lock(mutex_);
  if (error) {
    complete(index, TileOutcome::failed, for_tile(name, std::move(*error)));
  } else {
    complete(index, TileOutcome::uploaded, std::nullopt);
  }
  task_done();
}

}  // namespace patchq::v7
