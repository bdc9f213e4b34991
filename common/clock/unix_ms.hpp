// unix_ms: this host's wall clock as milliseconds since the Unix epoch, the unit job records
// and the V7 stand-in's stages store. Scripts that need one clock for the whole fleet use
// Redis' TIME instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace patchq::clock {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace patchq::clock
