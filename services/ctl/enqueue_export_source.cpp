// ExportSource (see enqueue_export_source.hpp): FolderExport walks a directory, ZipExport reads
// a zip's central directory once and each entry on demand.
#include "services/ctl/enqueue_export_source.hpp"

#include <zip.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include "common/codec/sha256.hpp"

namespace patchq::ctl {
namespace {

namespace fs = std::filesystem;

bool ends_with_json(std::string_view name) {
  if (name.size() < 5) return false;
  std::string tail(name.substr(name.size() - 5));
  for (char& c : tail) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return tail == ".json";
}

std::string too_large(std::uint64_t size, std::uint64_t max_bytes) {
  return "larger than " + std::to_string(max_bytes) + " bytes (" + std::to_string(size) +
         " bytes): the receiver would refuse it too";
}

class FolderExport : public ExportSource {
 public:
  static Result<std::unique_ptr<ExportSource>> open(const fs::path& root) {
    auto out = std::unique_ptr<FolderExport>(new FolderExport(root));
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) return fail("cannot list " + root.string() + ": " + ec.message());
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
      if (ec) return fail("cannot list " + root.string() + ": " + ec.message());
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      const std::string name = it->path().lexically_relative(root).generic_string();
      if (!is_item_file_name(name)) {
        ++out->ignored_;
        continue;
      }
      std::error_code size_ec;
      const auto size = it->file_size(size_ec);
      out->entries_.push_back({name, size_ec ? 0 : static_cast<std::uint64_t>(size), 0});
    }
    out->finish_listing(false, {});
    return std::unique_ptr<ExportSource>(std::move(out));
  }

  const char* kind() const override { return "folder"; }

  Result<std::string> read(const ExportEntry& entry, std::uint64_t max_bytes) override {
    if (entry.size > max_bytes) return fail(too_large(entry.size, max_bytes));
    std::ifstream in(root_ / entry.name, std::ios::binary);
    if (!in) return fail("cannot open the file");
    std::string bytes(static_cast<std::size_t>(max_bytes) + 1, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.bad()) return fail("cannot read the file");
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > max_bytes) return fail(too_large(bytes.size(), max_bytes));
    return bytes;
  }

 private:
  explicit FolderExport(fs::path root) : root_(std::move(root)) {}
  fs::path root_;
};

class ZipExport : public ExportSource {
 public:
  static Result<std::unique_ptr<ExportSource>> open(const fs::path& path) {
    int code = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
    if (archive == nullptr) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      std::string reason = path.string() + " is not a readable zip: " + zip_error_strerror(&error);
      zip_error_fini(&error);
      return fail(reason);
    }
    auto out = std::unique_ptr<ZipExport>(new ZipExport(archive));
    const zip_int64_t count = zip_get_num_entries(archive, 0);
    std::vector<std::uint32_t> crcs;
    for (zip_int64_t i = 0; i < count; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
          (st.valid & ZIP_STAT_NAME) == 0) {
        continue;
      }
      const std::string name = st.name;
      if (name.empty() || name.back() == '/') continue;  // a folder
      if (!is_item_file_name(name)) {
        ++out->ignored_;
        continue;
      }
      out->entries_.push_back(
          {name, (st.valid & ZIP_STAT_SIZE) ? st.size : 0, static_cast<std::uint64_t>(i)});
      crcs.push_back((st.valid & ZIP_STAT_CRC) ? st.crc : 0);
    }
    out->finish_listing(true, crcs);
    return std::unique_ptr<ExportSource>(std::move(out));
  }

  ~ZipExport() override { zip_discard(archive_); }
  const char* kind() const override { return "zip"; }

  Result<std::string> read(const ExportEntry& entry, std::uint64_t max_bytes) override {
    // The directory's size is checked first, and the read is bounded anyway: an archive can
    // state one size and inflate to another.
    if (entry.size > max_bytes) return fail(too_large(entry.size, max_bytes));
    zip_file_t* file = zip_fopen_index(archive_, entry.index, 0);
    if (file == nullptr)
      return fail(std::string("cannot open the entry: ") + zip_strerror(archive_));
    std::string bytes(static_cast<std::size_t>(max_bytes) + 1, '\0');
    std::size_t filled = 0;
    while (filled < bytes.size()) {
      const zip_int64_t n = zip_fread(file, bytes.data() + filled, bytes.size() - filled);
      if (n < 0) {
        std::string reason =
            std::string("cannot read the entry: ") + zip_error_strerror(zip_file_get_error(file));
        zip_fclose(file);
        return fail(reason);
      }
      if (n == 0) break;
      filled += static_cast<std::size_t>(n);
    }
    zip_fclose(file);
    if (filled > max_bytes) return fail(too_large(filled, max_bytes));
    bytes.resize(filled);
    return bytes;
  }

 private:
  explicit ZipExport(zip_t* archive) : archive_(archive) {}
  zip_t* archive_;
};

}  // namespace

bool is_item_file_name(std::string_view name) {
  if (!ends_with_json(name)) return false;
  // The properties manifest (.v7/metadata.json) is not an item.
  return !(name.starts_with(".v7/") || name.find("/.v7/") != std::string_view::npos);
}

void ExportSource::finish_listing(bool with_crc, const std::vector<std::uint32_t>& crcs) {
  std::vector<std::size_t> order(entries_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [this](std::size_t a, std::size_t b) { return entries_[a].name < entries_[b].name; });
  std::vector<ExportEntry> sorted;
  std::string listing;
  for (std::size_t i : order) {
    listing += entries_[i].name;
    listing.push_back('\0');
    listing += std::to_string(entries_[i].size);
    if (with_crc) listing += ":" + std::to_string(crcs[i]);
    listing.push_back('\n');
    sorted.push_back(std::move(entries_[i]));
  }
  entries_ = std::move(sorted);
  identity_ = codec::sha256_hex(listing);
}

Result<std::unique_ptr<ExportSource>> ExportSource::open(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return fail("no such file or folder: " + path.string());
  if (fs::is_directory(status)) return FolderExport::open(path);
  if (fs::is_regular_file(status)) return ZipExport::open(path);
  return fail(path.string() + " is neither a folder nor a zip file");
}

}  // namespace patchq::ctl
