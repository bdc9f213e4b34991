// SimStore: see sim_store.hpp for the layout and the invariants.
#include "services/v7sim/sim_store.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/codec/sha256.hpp"
#include "common/json/json_writer.hpp"
#include "services/v7sim/atomic_file.hpp"
#include "services/v7sim/codec.hpp"
#include "services/v7sim/image_size.hpp"

namespace patchq::v7sim {

namespace fs = std::filesystem;

std::string_view to_string(ItemState state) {
  switch (state) {
    case ItemState::registered:
      return "registered";
    case ItemState::uploaded:
      return "uploaded";
    case ItemState::confirmed:
      return "confirmed";
  }
  return "registered";
}

namespace {

std::optional<ItemState> parse_state(std::string_view text) {
  if (text == "registered") return ItemState::registered;
  if (text == "uploaded") return ItemState::uploaded;
  if (text == "confirmed") return ItemState::confirmed;
  return std::nullopt;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string dataset_json(const Dataset& d) {
  json::JsonWriter w;
  w.begin_object().field("id", d.id).field("name", d.name).field("slug", d.slug).end_object();
  return w.take();
}

std::string item_json(const Item& item) {
  json::JsonWriter w;
  w.begin_object()
      .field("id", item.id)
      .field("dataset_slug", item.dataset_slug)
      .field("name", item.name)
      .field("path", item.path)
      .field("slot_name", item.slot_name)
      .field("file_name", item.file_name)
      .field("upload_id", item.upload_id)
      .field("state", to_string(item.state))
      .field("bytes", item.bytes)
      .field("sha256", item.sha256)
      .field("width", item.width)
      .field("height", item.height)
      .field("seq", item.seq)
      .field("storage_key", item.storage_key);
  w.key("tags").begin_array();
  for (const auto& tag : item.tags) w.value(tag);
  w.end_array().end_object();
  return w.take();
}

std::string string_field(simdjson::dom::element e, std::string_view key, const fs::path& file) {
  std::string_view out;
  if (e[key].get_string().get(out) != simdjson::SUCCESS) {
    throw std::runtime_error("bad metadata in " + file.string() + ": no string " +
                             std::string(key));
  }
  return std::string(out);
}

std::int64_t int_field(simdjson::dom::element e, std::string_view key, const fs::path& file) {
  std::int64_t out = 0;
  if (e[key].get_int64().get(out) != simdjson::SUCCESS) {
    throw std::runtime_error("bad metadata in " + file.string() + ": no number " +
                             std::string(key));
  }
  return out;
}

// Metadata files in `folder` (temp files of interrupted writes start with '.').
std::vector<fs::path> json_files(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.starts_with(".") && name.ends_with(".json")) {
      out.push_back(entry.path());
    }
  }
  return out;
}

}  // namespace

std::string slugify(std::string_view name) {
  std::string out;
  bool dash = false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) && c < 0x80) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      dash = true;
    }
  }
  return out;
}

bool is_valid_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 100) return false;
  return std::all_of(slug.begin(), slug.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string normalize_item_path(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const std::size_t end = std::min(path.find('/', i), path.size());
    if (end > i) out += "/" + std::string(path.substr(i, end - i));
    i = end;
  }
  return out.empty() ? "/" : out;
}

SimStore::SimStore(fs::path data_dir, bool durable) : dir_(std::move(data_dir)), durable_(durable) {
  std::error_code ec;
  for (const auto* sub : {"datasets", "items", "files"}) {
    fs::create_directories(dir_ / sub, ec);
    if (ec)
      throw std::runtime_error("cannot create " + (dir_ / sub).string() + ": " + ec.message());
  }
  const auto key_path = dir_ / "signing.key";
  if (auto key = read_whole_file(key_path); key && key->size() >= 32) {
    signing_key_ = *key;
  } else {
    signing_key_ = random_hex(32);
    write_file_atomically(key_path, signing_key_, durable_);
  }
  load();
}

void SimStore::load() {
  simdjson::dom::parser parser;
  for (const auto& file : json_files(dir_ / "datasets")) {
    simdjson::dom::element doc;
    if (parser.load(file.string()).get(doc) != simdjson::SUCCESS) {
      throw std::runtime_error("unreadable dataset metadata " + file.string());
    }
    Dataset d{int_field(doc, "id", file), string_field(doc, "name", file),
              string_field(doc, "slug", file)};
    next_dataset_id_ = std::max(next_dataset_id_, d.id + 1);
    datasets_[d.slug] = std::move(d);
  }
  for (const auto& file : json_files(dir_ / "items")) {
    simdjson::dom::element doc;
    if (parser.load(file.string()).get(doc) != simdjson::SUCCESS) {
      throw std::runtime_error("unreadable item metadata " + file.string());
    }
    Item item;
    item.id = string_field(doc, "id", file);
    item.dataset_slug = string_field(doc, "dataset_slug", file);
    item.name = string_field(doc, "name", file);
    item.path = string_field(doc, "path", file);
    item.slot_name = string_field(doc, "slot_name", file);
    item.file_name = string_field(doc, "file_name", file);
    item.upload_id = string_field(doc, "upload_id", file);
    const auto state = parse_state(string_field(doc, "state", file));
    if (!state) throw std::runtime_error("bad item state in " + file.string());
    item.state = *state;
    item.bytes = static_cast<std::uint64_t>(int_field(doc, "bytes", file));
    item.sha256 = string_field(doc, "sha256", file);
    item.width = static_cast<int>(int_field(doc, "width", file));
    item.height = static_cast<int>(int_field(doc, "height", file));
    item.seq = static_cast<std::uint64_t>(int_field(doc, "seq", file));
    simdjson::dom::array tags;
    if (doc["tags"].get_array().get(tags) == simdjson::SUCCESS) {
      for (simdjson::dom::element tag : tags) {
        std::string_view text;
        if (tag.get_string().get(text) == simdjson::SUCCESS) item.tags.emplace_back(text);
      }
    }
    std::string_view storage_key;
    if (doc["storage_key"].get_string().get(storage_key) == simdjson::SUCCESS) {
      item.storage_key = std::string(storage_key);
    }
    next_seq_ = std::max(next_seq_, item.seq + 1);
    index_locked(item);
    items_[item.id] = std::move(item);
  }
}

void SimStore::save_dataset(const Dataset& d) const {
  write_file_atomically(dir_ / "datasets" / (d.slug + ".json"), dataset_json(d), durable_);
}

void SimStore::save_item(const Item& item) const {
  write_file_atomically(dir_ / "items" / (item.id + ".json"), item_json(item), durable_);
}

void SimStore::store_bytes(Item& item, std::string_view bytes) const {
  write_file_atomically(dir_ / "files" / item.upload_id, bytes, durable_);
  item.bytes = bytes.size();
  item.sha256 = codec::sha256_hex(bytes);
  const auto size = read_image_size(bytes);
  item.width = size ? size->width : 0;
  item.height = size ? size->height : 0;
}

std::vector<Dataset> SimStore::datasets() const {
  std::lock_guard lock(mu_);
  std::vector<Dataset> out;
  for (const auto& [slug, d] : datasets_) out.push_back(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<Dataset> SimStore::dataset(std::string_view slug) const {
  std::lock_guard lock(mu_);
  const auto it = datasets_.find(slug);
  if (it == datasets_.end()) return std::nullopt;
  return it->second;
}

std::optional<Dataset> SimStore::create_dataset(std::string_view name) {
  const std::string slug = slugify(name);
  std::lock_guard lock(mu_);
  if (slug.empty() || datasets_.contains(slug)) return std::nullopt;
  const std::string wanted = lower(name);
  for (const auto& [s, d] : datasets_) {
    if (lower(d.name) == wanted) return std::nullopt;
  }
  Dataset d{next_dataset_id_++, std::string(name), slug};
  save_dataset(d);
  datasets_[slug] = d;
  return d;
}

Dataset SimStore::ensure_dataset(std::string_view slug) {
  std::lock_guard lock(mu_);
  if (const auto it = datasets_.find(slug); it != datasets_.end()) return it->second;
  Dataset d{next_dataset_id_++, std::string(slug), std::string(slug)};
  save_dataset(d);
  datasets_[d.slug] = d;
  return d;
}

std::string SimStore::name_key(std::string_view slug, std::string_view path,
                               std::string_view name) {
  std::string key(slug);
  key.push_back('\0');
  key += path;
  key.push_back('\0');
  key += name;
  return key;
}

void SimStore::index_locked(const Item& item) {
  by_upload_[item.upload_id] = item.id;
  by_name_[name_key(item.dataset_slug, item.path, item.name)] = item.id;
}

const Item* SimStore::find_locked(std::string_view slug, std::string_view name,
                                  std::string_view path) const {
  const auto it = by_name_.find(name_key(slug, path, name));
  return it == by_name_.end() ? nullptr : &items_.at(it->second);
}

Item SimStore::new_item(const Dataset& dataset, std::string_view name, std::string_view path,
                        std::string_view file_name, std::string_view slot_name) {
  Item item;
  item.id = random_uuid();
  item.dataset_slug = dataset.slug;
  item.name = std::string(name);
  item.path = normalize_item_path(path);
  item.file_name = file_name.empty() ? std::string(name) : std::string(file_name);
  item.slot_name = slot_name.empty() ? "0" : std::string(slot_name);
  item.upload_id = random_uuid();
  item.seq = next_seq_++;
  return item;
}

SimStore::Registration SimStore::keep_new_locked(Item item) {
  save_item(item);
  index_locked(item);
  items_[item.id] = item;
  return {std::move(item), true};
}

SimStore::Registration SimStore::register_item(const Dataset& dataset, std::string_view name,
                                               std::string_view path, std::string_view file_name,
                                               std::string_view slot_name,
                                               const std::vector<std::string>& tags) {
  std::lock_guard lock(mu_);
  if (const Item* existing = find_locked(dataset.slug, name, normalize_item_path(path))) {
    return {*existing, false};
  }
  Item item = new_item(dataset, name, path, file_name, slot_name);
  item.tags = tags;
  return keep_new_locked(std::move(item));
}

SimStore::Registration SimStore::add_confirmed(const Dataset& dataset, std::string_view name,
                                               std::string_view path, std::string_view bytes,
                                               const std::vector<std::string>& tags) {
  std::lock_guard lock(mu_);
  if (const Item* existing = find_locked(dataset.slug, name, normalize_item_path(path))) {
    return {*existing, false};
  }
  Item item = new_item(dataset, name, path, name, "0");
  item.tags = tags;
  store_bytes(item, bytes);  // bytes before the metadata that points at them
  item.state = ItemState::confirmed;
  return keep_new_locked(std::move(item));
}

SimStore::Registration SimStore::add_external(const Dataset& dataset, std::string_view name,
                                              std::string_view path, std::string_view storage_key,
                                              std::uint64_t bytes, int width, int height,
                                              const std::vector<std::string>& tags) {
  std::lock_guard lock(mu_);
  if (const Item* existing = find_locked(dataset.slug, name, normalize_item_path(path))) {
    return {*existing, false};
  }
  Item item = new_item(dataset, name, path, name, "0");
  item.tags = tags;
  item.storage_key = std::string(storage_key);
  item.bytes = bytes;
  item.width = width;
  item.height = height;
  item.state = ItemState::confirmed;
  return keep_new_locked(std::move(item));
}

UploadStatus SimStore::put_file(std::string_view upload_id, std::string_view bytes,
                                bool overwrite_confirmed) {
  Item updated;
  {
    std::lock_guard lock(mu_);
    const auto it = by_upload_.find(upload_id);
    if (it == by_upload_.end()) return UploadStatus::not_found;
    updated = items_.at(it->second);
  }
  const bool was_confirmed = updated.state == ItemState::confirmed;
  if (was_confirmed && !overwrite_confirmed) return UploadStatus::already_confirmed;
  // The big write happens outside the lock so uploads of different items overlap.
  store_bytes(updated, bytes);
  std::lock_guard lock(mu_);
  Item& item = items_.at(updated.id);
  if (item.state == ItemState::confirmed && !overwrite_confirmed) {
    return UploadStatus::already_confirmed;
  }
  updated.state = was_confirmed || item.state == ItemState::confirmed ? ItemState::confirmed
                                                                      : ItemState::uploaded;
  save_item(updated);
  item = std::move(updated);
  return UploadStatus::ok;
}

UploadStatus SimStore::confirm(std::string_view upload_id) {
  std::lock_guard lock(mu_);
  const auto it = by_upload_.find(upload_id);
  if (it == by_upload_.end()) return UploadStatus::not_found;
  Item& item = items_.at(it->second);
  if (item.state == ItemState::registered) return UploadStatus::not_uploaded;
  if (item.state == ItemState::confirmed) return UploadStatus::ok;
  Item updated = item;
  updated.state = ItemState::confirmed;
  save_item(updated);
  item = std::move(updated);
  return UploadStatus::ok;
}

std::optional<Item> SimStore::item(std::string_view item_id) const {
  std::lock_guard lock(mu_);
  const auto it = items_.find(item_id);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

std::optional<Item> SimStore::item_by_upload(std::string_view upload_id) const {
  std::lock_guard lock(mu_);
  const auto it = by_upload_.find(upload_id);
  if (it == by_upload_.end()) return std::nullopt;
  return items_.at(it->second);
}

std::optional<Item> SimStore::find_item(std::string_view slug, std::string_view name,
                                        std::optional<std::string_view> path) const {
  std::lock_guard lock(mu_);
  if (path) {
    const Item* found = find_locked(slug, name, normalize_item_path(*path));
    if (found == nullptr) return std::nullopt;
    return *found;
  }
  const Item* best = nullptr;
  for (const auto& [id, item] : items_) {
    if (item.dataset_slug == slug && item.name == name && (!best || item.seq < best->seq)) {
      best = &item;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::vector<Item> SimStore::confirmed_items(std::string_view slug) const {
  std::vector<Item> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, item] : items_) {
      if (item.dataset_slug == slug && item.state == ItemState::confirmed) out.push_back(item);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

std::optional<std::string> SimStore::file_bytes(std::string_view upload_id) const {
  std::string storage_key;
  {
    std::lock_guard lock(mu_);
    const auto it = by_upload_.find(upload_id);
    if (it == by_upload_.end() || items_.at(it->second).state == ItemState::registered) {
      return std::nullopt;
    }
    storage_key = items_.at(it->second).storage_key;
  }
  if (!storage_key.empty()) {
    return external_reader_ ? external_reader_(storage_key) : std::nullopt;
  }
  return read_whole_file(dir_ / "files" / std::string(upload_id));
}

Item SimStore::with_current_content(Item item) const {
  if (item.storage_key.empty()) return item;
  const auto bytes = external_reader_ ? external_reader_(item.storage_key) : std::nullopt;
  item.bytes = bytes ? bytes->size() : 0;
  item.sha256 = bytes ? codec::sha256_hex(*bytes) : "";
  return item;
}

void SimStore::set_annotations(std::string_view item_id, std::string json) {
  const std::lock_guard lock(mu_);
  annotations_.insert_or_assign(std::string(item_id), std::move(json));
}

std::optional<std::string> SimStore::annotations(std::string_view item_id) const {
  const std::lock_guard lock(mu_);
  const auto it = annotations_.find(item_id);
  if (it == annotations_.end()) return std::nullopt;
  return it->second;
}

}  // namespace patchq::v7sim
