// Payload codec: how a webhook body is stored in its job record's "payload" field.
// The receiver stores a zstd frame (level 1): Redis holds a queued job's payload until the job
// is done, and its memory is the queue's capacity; a 2 KiB V7 payload shrinks to ~0.8 KiB, and
// Redis, the one part that does not scale out, spends ~35 % less CPU per job (see
// docs/RECEIVER.md, Performance). Compressing costs the receivers (which do scale out) ~5 us.
// Readers accept both forms: a value that starts with the zstd frame magic is decompressed,
// anything else is taken as the JSON itself (records written by `patchqctl enqueue` or before
// compression existed).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::queue {

// Largest JSON a stored payload may decode to: far above any receiver's --max-body.
inline constexpr std::size_t kMaxDecodedPayloadBytes = 64u << 20;

// A zstd frame of `json`; thread-safe (one compression context per thread).
std::string encode_payload(std::string_view json);

// True when `stored` is a zstd frame (by its magic number).
bool is_encoded_payload(std::string_view stored);

// The JSON of a stored payload. A frame that is corrupt, or that would decompress to more
// than `max_bytes` (a bound against a hostile frame in Redis), fails with the reason (for the
// job's dead letter).
Result<std::string> decode_payload(std::string_view stored, std::size_t max_bytes);

}  // namespace patchq::queue
