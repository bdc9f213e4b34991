// Job identity: the delivery hash that recognises a repeated delivery of the same webhook
// (job ids themselves come from common/queue/job_id.hpp).
//
// Invariant:
//   - A delivery hash is SHA-256 (hex) over length-prefixed fields, so no two different
//     (item, target, payload) triples share an encoding; a delivery that carries a webhook-id
//     header is identified by that id (and the target) instead of its bytes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace patchq::receiver {

// 64 lower-case hex digits.
std::string delivery_hash(std::string_view item_id, std::string_view target,
                          std::string_view payload);
std::string delivery_hash_of_webhook_id(std::string_view webhook_id, std::string_view target);

}  // namespace patchq::receiver
