// LocalTiles: the patch engine run inside the test with the worker's default settings (the
// defaults of the shared tile flags), on the same payload and image bytes the chain gets. What
// the chain delivers is compared with this; the engine's own exactness is tested elsewhere.
#pragma once

#include <string>

#include "common/patch/tiler.hpp"

namespace patchq::e2e {

// Throws std::runtime_error when the payload is refused or the defaults are invalid; an
// image-level failure comes back in the result.
patch::TileResult cut_like_the_worker(const std::string& payload, const std::string& image);

}  // namespace patchq::e2e
