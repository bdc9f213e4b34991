// ExportSource: the item files of a Darwin JSON 2.0 export, read from a folder (as `darwin
// dataset pull` leaves it: releases/<name>/annotations/*.json) or from the export's zip (as V7
// hands it out: one <item>.json per item, maybe in folders). As darwin-py does, every *.json
// below the root is an item file, except the properties manifest under .v7/; other files are
// counted as ignored. Zip archives are read with libzip, never extracted to disk.
//
// Invariants: entries() is sorted by name (the order a backfill walks, so that its cursor
// means the same on every run); read() never returns more than its byte bound, whatever the
// archive claims; identity() is equal for the same file list with the same sizes (and, in a
// zip, CRCs), so a second run over the same export finds its cursor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result/result.hpp"

namespace patchq::ctl {

struct ExportEntry {
  std::string name;         // path inside the export, '/'-separated
  std::uint64_t size = 0;   // bytes (uncompressed, as the archive states them)
  std::uint64_t index = 0;  // position in the zip's directory; unused for folders
};

class ExportSource {
 public:
  // A folder or a zip file; the reason when it is neither or cannot be read.
  static Result<std::unique_ptr<ExportSource>> open(const std::filesystem::path& path);
  virtual ~ExportSource() = default;

  const std::vector<ExportEntry>& entries() const { return entries_; }
  std::int64_t ignored() const { return ignored_; }
  const std::string& identity() const { return identity_; }
  virtual const char* kind() const = 0;  // "folder" or "zip"

  // The entry's bytes, or why not (unreadable, larger than `max_bytes`).
  virtual Result<std::string> read(const ExportEntry& entry, std::uint64_t max_bytes) = 0;

 protected:
  // Sorts the entries and derives the identity from them.
  void finish_listing(bool with_crc, const std::vector<std::uint32_t>& crcs);

  std::vector<ExportEntry> entries_;
  std::int64_t ignored_ = 0;
  std::string identity_;
};

// True for the names a backfill takes as item files (see above).
bool is_item_file_name(std::string_view name);

}  // namespace patchq::ctl
