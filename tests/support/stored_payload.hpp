// stored_json: the webhook JSON of a job record's "payload" field as stored in Redis (a zstd
// frame, see common/queue/payload_codec.hpp), for tests that check what was enqueued. Tests
// that use it link patchq_queue.
#pragma once

#include <string>

#include "common/queue/payload_codec.hpp"

namespace patchq::testing {

inline std::string stored_json(const std::string& stored) {
  if (!queue::is_encoded_payload(stored)) return "<not compressed: " + stored + ">";
  auto decoded = queue::decode_payload(stored, queue::kMaxDecodedPayloadBytes);
  return decoded ? *decoded : "<undecodable: " + decoded.error().reason + ">";
}

}  // namespace patchq::testing
