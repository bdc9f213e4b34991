// SimStore: the simulator's datasets, items and uploads, persisted under --data-dir so a
// restart serves exactly what was there.
// Layout:  <dir>/signing.key               secret for storage URL tokens (kept across restarts)
//          <dir>/datasets/<slug>.json      {"id","name","slug"}
//          <dir>/items/<item_id>.json      item metadata (state, names, upload_id, size, sha256)
//          <dir>/files/<upload_id>         the item's bytes, once uploaded
// Items registered from the customer's storage (register_existing) keep no bytes here: their
// storage_key names the object, read through the external reader whenever its bytes are asked
// for (so what is served and listed is what is in the bucket).
// Invariants: every file is written atomically (temp + rename, fsync too when `durable`), and
// a file's bytes are on disk before the metadata that points at them; (dataset, path, name)
// is unique among items in every state, as in V7, which creates the item at registration; an
// item is listed only once confirmed. Thread-safe: one mutex guards the in-memory index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace patchq::v7sim {

struct Dataset {
  std::int64_t id = 0;
  std::string name;
  std::string slug;
};

enum class ItemState { registered, uploaded, confirmed };
std::string_view to_string(ItemState state);

struct Item {
  std::string id;  // UUID
  std::string dataset_slug;
  std::string name;
  std::string path = "/";
  std::string slot_name = "0";
  std::string file_name;
  std::string upload_id;  // the slot's file; download and storage URLs name it
  ItemState state = ItemState::registered;
  std::uint64_t bytes = 0;
  std::string sha256;
  int width = 0;
  int height = 0;
  std::uint64_t seq = 0;          // creation order
  std::vector<std::string> tags;  // as registered
  std::string storage_key;        // registered from external storage: the object's key there
};

enum class UploadStatus { ok, not_found, not_uploaded, already_confirmed };

// V7-like slug: lower case, each run of other characters becomes one '-', no '-' at the ends.
std::string slugify(std::string_view name);
// Slugs the control API accepts in URLs: [a-z0-9_-], 1..100 characters.
bool is_valid_slug(std::string_view slug);
// "/" or "/a/b": leading '/', no trailing '/', no empty segments.
std::string normalize_item_path(std::string_view path);

class SimStore {
 public:
  // Creates the layout when missing and loads what is there. Throws std::runtime_error when
  // the directory cannot be used or holds unreadable metadata.
  SimStore(std::filesystem::path data_dir, bool durable);

  const std::string& signing_key() const { return signing_key_; }

  std::vector<Dataset> datasets() const;
  std::optional<Dataset> dataset(std::string_view slug) const;
  // nullopt when the name, or the slug derived from it, is taken.
  std::optional<Dataset> create_dataset(std::string_view name);
  Dataset ensure_dataset(std::string_view slug);  // slug must satisfy is_valid_slug

  struct Registration {
    Item item;
    bool created = false;  // false: an item with that path and name exists; `item` is it
  };
  Registration register_item(const Dataset& dataset, std::string_view name, std::string_view path,
                             std::string_view file_name, std::string_view slot_name,
                             const std::vector<std::string>& tags = {});
  // register + upload + confirm at once (direct_upload, the control API).
  Registration add_confirmed(const Dataset& dataset, std::string_view name, std::string_view path,
                             std::string_view bytes, const std::vector<std::string>& tags = {});

  // A confirmed item whose bytes stay in the customer's storage under `storage_key`; `bytes`,
  // `width` and `height` as the registration read them from the object.
  Registration add_external(const Dataset& dataset, std::string_view name, std::string_view path,
                            std::string_view storage_key, std::uint64_t bytes, int width,
                            int height, const std::vector<std::string>& tags = {});
  // How the bytes of external items are read (the whole object; nullopt when it cannot be).
  // Set once, before serving.
  using ExternalReader = std::function<std::optional<std::string>(std::string_view storage_key)>;
  void set_external_reader(ExternalReader reader) { external_reader_ = std::move(reader); }

  // `overwrite_confirmed`: a confirmed item's file is replaced (it stays confirmed) instead of
  // the PUT being refused with already_confirmed.
  UploadStatus put_file(std::string_view upload_id, std::string_view bytes,
                        bool overwrite_confirmed = false);
  UploadStatus confirm(std::string_view upload_id);  // confirming twice is ok (retries)

  std::optional<Item> item(std::string_view item_id) const;
  std::optional<Item> item_by_upload(std::string_view upload_id) const;
  // Any state; `path` nullopt matches the first item with that name in any folder.
  std::optional<Item> find_item(std::string_view slug, std::string_view name,
                                std::optional<std::string_view> path) const;
  std::vector<Item> confirmed_items(std::string_view slug) const;
  // An external item's bytes come from its object, read now.
  std::optional<std::string> file_bytes(std::string_view upload_id) const;
  // `item` with `bytes` and `sha256` of its object as it is now, for an external item (an
  // object that cannot be read: 0 and ""); any other item as it is.
  Item with_current_content(Item item) const;

  // The answer GET .../items/{id}/annotations gives for an item, as seeded through the control
  // API (JSON text, served verbatim). Kept in memory only: a restart forgets them.
  void set_annotations(std::string_view item_id, std::string json);
  std::optional<std::string> annotations(std::string_view item_id) const;

 private:
  void load();
  void save_dataset(const Dataset& d) const;
  void save_item(const Item& item) const;
  // Writes the bytes and fills size, digest and dimensions of `item`.
  void store_bytes(Item& item, std::string_view bytes) const;
  Item new_item(const Dataset& dataset, std::string_view name, std::string_view path,
                std::string_view file_name, std::string_view slot_name);
  static std::string name_key(std::string_view slug, std::string_view path, std::string_view name);
  void index_locked(const Item& item);
  // Saves a new item, indexes and keeps it (mu_ held): the tail of every way an item is made.
  Registration keep_new_locked(Item item);
  const Item* find_locked(std::string_view slug, std::string_view name,
                          std::string_view path) const;

  std::filesystem::path dir_;
  bool durable_;
  ExternalReader external_reader_;
  std::string signing_key_;
  mutable std::mutex mu_;
  std::map<std::string, Dataset, std::less<>> datasets_;         // by slug
  std::map<std::string, Item, std::less<>> items_;               // by item id
  std::map<std::string, std::string, std::less<>> by_upload_;    // upload_id -> item id
  std::map<std::string, std::string, std::less<>> by_name_;      // name_key() -> item id
  std::map<std::string, std::string, std::less<>> annotations_;  // item id -> seeded answer
  std::int64_t next_dataset_id_ = 1;
  std::uint64_t next_seq_ = 1;
};

}  // namespace patchq::v7sim
