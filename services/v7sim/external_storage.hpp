// ExternalStorage: the customer's storage as V7 sees it once connected in its settings.
// Registrations name objects by storage key; the stand-in checks each one there (it exists,
// it is an image, its size) with a ranged read of its first bytes, and reads an object whole
// only when its bytes are asked for (listing, file, download), so tests compare the pixels of
// what is in the bucket and a key that is not there is caught at registration.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.hpp"
#include "common/storage/object_store.hpp"
#include "services/v7sim/image_size.hpp"

namespace patchq::v7sim {

struct ExternalStorage {
  std::string slug;  // the storage's name in V7's settings
  // The object's first `head_bytes` and its size; an error when it cannot be read.
  std::function<Result<storage::ObjectHead>(std::string_view storage_key, std::uint64_t head_bytes)>
      read_head;
  // The whole object.
  std::function<Result<std::string>(std::string_view storage_key)> read;
};

// What registration learns about an object.
struct ProbedObject {
  std::uint64_t bytes = 0;         // the object's size
  std::optional<ImageSize> image;  // nullopt: not an image of a known format
};

// How much of an object is read first: PNG and WebP headers are in the first 30 bytes; JPEG's
// frame header follows any EXIF/ICC segments, which are almost always smaller than this.
inline constexpr std::uint64_t kProbeHeadBytes = 64 << 10;

// Reads the object's head; when that holds no image size and the object is longer, the whole
// object (a JPEG whose frame header comes later). An error when the object cannot be read.
Result<ProbedObject> probe_object(const ExternalStorage& storage, std::string_view storage_key);

// How many objects a registration probes at once: a call's reads overlap (each waits on the
// storage server's answer), so a 100-item call is not 100 round trips end to end.
inline constexpr std::size_t kProbeConcurrency = 8;

// probe_object for each key, up to kProbeConcurrency at a time; results in the keys' order.
std::vector<Result<ProbedObject>> probe_objects(const ExternalStorage& storage,
                                                const std::vector<std::string>& storage_keys);

}  // namespace patchq::v7sim
