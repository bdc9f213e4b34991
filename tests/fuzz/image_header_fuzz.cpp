// libFuzzer target: any bytes -> image header reader (magic bytes, sizes, EXIF orientation).
// Invariants: never reads outside the input; a header is either refused with a reason or has a
// positive size and an orientation in 1..8.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/patch/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const patchq::patch::HeaderResult result = patchq::patch::read_image_header(bytes);
  if (!result.header) {
    if (result.error.empty()) std::abort();
    return 0;
  }
  if (result.header->width <= 0 || result.header->height <= 0 || result.header->orientation < 1 ||
      result.header->orientation > 8) {
    std::abort();
  }
  return 0;
}
