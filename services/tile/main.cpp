// patchq-tile: runs the patch engine on one payload file and one image file, writes the tiles
// to a directory and prints a one-line JSON summary on stdout. Exit codes: 0 done (even with
// skipped annotations or zero tiles), 1 input refused or a tile could not be written (reason on
// stderr), 2 bad command line.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/config/flag_set.hpp"
#include "common/obs/log.hpp"
#include "common/patch/tile_flags.hpp"
#include "common/patch/tiler.hpp"
#include "common/result/result.hpp"
#include "common/webhook/payload_parser.hpp"
#include "services/tile/tile_summary.hpp"

namespace {

using patchq::config::FlagSet;

int refuse(const std::string& reason) {
  std::cerr << "patchq-tile: " << reason << "\n";
  return 1;
}

// Reads a whole regular file, refusing more than max_bytes. Directories, devices and pipes
// are refused by what they are: their "size" means nothing (a directory seeks to INT64_MAX).
patchq::Result<std::string> read_limited(const std::string& path, std::uint64_t max_bytes) {
  using patchq::fail;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(status)) {
    return fail(path + " is a directory, not a file");
  }
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return fail(path + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path + ": " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return fail("cannot read " + path);
  if (static_cast<std::uint64_t>(size) > max_bytes) {
    return fail(path + " is " + std::to_string(size) + " bytes, over the limit of " +
                std::to_string(max_bytes));
  }
  in.seekg(0, std::ios::beg);
  std::string out(static_cast<std::size_t>(size), '\0');
  if (size > 0 && !in.read(out.data(), size)) return fail("cannot read " + path);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  patchq::obs::set_log_service("patchq-tile");
  std::string payload_path;
  std::string image_path;
  std::string out_dir;
  patchq::patch::TileFlags tile_flags;
  std::uint64_t max_image_bytes = 256ull << 20;
  std::uint64_t max_payload_bytes = 32ull << 20;  // the receiver's --max-body

  FlagSet flags("patchq-tile",
                "Cuts the patches a V7 webhook payload asks for out of an image and writes them "
                "as tiles.\nExit codes: 0 done, 1 input refused, 2 bad command line.");
  flags.add_string("payload", &payload_path, "", "V7 webhook payload (JSON file), required")
      .add_string("image", &image_path, "", "the item's image file, required")
      .add_string("out", &out_dir, "", "directory for the tiles (created if missing), required")
      .add_bytes("max-image-bytes", &max_image_bytes, "PATCHQ_MAX_IMAGE_BYTES",
                 "largest image file accepted")
      .add_bytes("max-payload-bytes", &max_payload_bytes, "PATCHQ_MAX_BODY_BYTES",
                 "largest payload file accepted");
  patchq::patch::add_tile_flags(flags, tile_flags);
  const auto parsed = flags.parse(argc, argv);
  if (auto code = patchq::config::exit_code_after_parse(parsed)) return *code;
  if (!parsed.positional.empty()) {
    std::cerr << "patchq-tile: unexpected argument '" << parsed.positional.front()
              << "' (see --help)\n";
    return 2;
  }
  for (const auto& [name, value] :
       {std::pair{"--payload", &payload_path}, std::pair{"--image", &image_path},
        std::pair{"--out", &out_dir}}) {
    if (value->empty()) {
      std::cerr << "patchq-tile: " << name << " is required (see --help)\n";
      return 2;
    }
  }
  const auto tile_options = patchq::patch::to_tile_options(tile_flags);
  if (!tile_options) {
    std::cerr << "patchq-tile: " << tile_options.error().reason << "\n";
    return 2;
  }
  const patchq::patch::TileOptions& options = *tile_options;

  auto payload = read_limited(payload_path, max_payload_bytes);
  if (!payload) return refuse(payload.error().reason);
  auto parsed_payload = patchq::webhook::parse_payload_in_place(*payload);
  if (!parsed_payload) return refuse("payload refused: " + parsed_payload.error().reason);
  const patchq::webhook::Item item = std::move(parsed_payload).value();

  auto read_image = read_limited(image_path, max_image_bytes);
  if (!read_image) return refuse(read_image.error().reason);
  const std::string& image = *read_image;

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return refuse("cannot create " + out_dir + ": " + ec.message());

  // Tiles are written as they are encoded; the first write error stops the run.
  std::string write_error;
  const auto sink = [&](patchq::patch::Tile&& tile) {
    const std::filesystem::path path = std::filesystem::path(out_dir) / tile.name;
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
      write_error = "cannot write " + path.string() + ": " + std::strerror(errno);
      return false;
    }
    const bool written =
        std::fwrite(tile.bytes.data(), 1, tile.bytes.size(), file) == tile.bytes.size();
    const bool closed = std::fclose(file) == 0;
    if (!written || !closed) {
      write_error = "cannot write " + path.string() + ": " + std::strerror(errno);
      return false;
    }
    return true;
  };
  const patchq::patch::TileResult result = patchq::patch::cut_tiles(item, image, options, sink);
  if (!write_error.empty()) return refuse(write_error);
  if (!result.ok()) {
    return refuse(std::string("image refused (") + patchq::patch::status_name(result.status) +
                  "): " + result.error);
  }
  std::cout << patchq::tile::summary_json(
                   item, result, patchq::patch::tile_extension(options.encode.format), out_dir)
            << "\n";
  return 0;
}
