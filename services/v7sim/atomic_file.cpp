// Durable file writes: see atomic_file.hpp.
#include "services/v7sim/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace patchq::v7sim {

namespace {

std::runtime_error io_error(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void fsync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself already happened
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           bool durable) {
  static std::atomic<unsigned long> counter{0};
  const auto temp =
      path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) +
                            "." + std::to_string(counter.fetch_add(1)));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot create", temp);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto error = io_error("cannot write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      throw error;
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = !durable || ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    const auto error = io_error("cannot sync", temp);
    ::unlink(temp.c_str());
    throw error;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const auto error = io_error("cannot rename into", path);
    ::unlink(temp.c_str());
    throw error;
  }
  if (durable) fsync_folder(path.parent_path());
}

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

}  // namespace patchq::v7sim
