// TempDir: a fresh directory under $TMPDIR removed with everything in it on destruction.
#pragma once

#include <filesystem>
#include <string>

namespace patchq::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Reads a whole file into a string (binary-safe); throws when it cannot be read.
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

// Where the build put patchq's executables (build/bin) and the repository's test data.
std::filesystem::path binary_path(const std::string& name);
std::filesystem::path source_path(const std::string& relative);  // relative to the repo root

}  // namespace patchq::testing
