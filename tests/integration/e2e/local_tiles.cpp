// LocalTiles (see local_tiles.hpp).
#include "tests/integration/e2e/local_tiles.hpp"

#include <stdexcept>

#include "common/patch/tile_flags.hpp"
#include "common/webhook/payload_parser.hpp"

namespace patchq::e2e {

patch::TileResult cut_like_the_worker(const std::string& payload, const std::string& image) {
  auto parsed = webhook::parse_payload(payload);
  if (!parsed) throw std::runtime_error("payload refused: " + parsed.error().reason);
  auto options = patch::to_tile_options(patch::TileFlags{});
  if (!options) throw std::runtime_error("default tile flags refused: " + options.error().reason);
  options->log_skips = false;
  return patch::cut_tiles(parsed.value(), image, *options);
}

}  // namespace patchq::e2e
