// Image dimensions from the header bytes of a file: the simulator reports width/height in
// webhook payloads and item listings, as V7 does after processing an upload. No decoding (and
// no OpenCV, which keeps the simulator quick to start): PNG, JPEG, TIFF, WebP, BMP and GIF.
#pragma once

#include <optional>
#include <string_view>

namespace patchq::v7sim {

struct ImageSize {
  int width = 0;
  int height = 0;
};

// nullopt when the bytes are not an image of a known format or the header is damaged.
std::optional<ImageSize> read_image_size(std::string_view bytes);

// "image/png", "image/jpeg", ... from magic bytes; "application/octet-stream" otherwise.
std::string_view sniff_content_type(std::string_view bytes);

}  // namespace patchq::v7sim
