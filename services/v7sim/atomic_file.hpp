// Durable file writes for the simulator's data directory: a reader (or a restart after a
// crash) sees either the old content or the new one, never a torn file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace patchq::v7sim {

// Writes a temp file beside `path` and renames it over `path`. With `durable`, the file and
// then its folder are fsynced too (survives a machine crash, not only a process crash).
// Throws std::runtime_error naming the path when the disk refuses (broken infrastructure).
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           bool durable = false);

// The whole file, or nullopt when it does not exist or cannot be read.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace patchq::v7sim
