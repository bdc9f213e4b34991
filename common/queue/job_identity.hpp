// Job identity: the delivery hash that recognises a repeated delivery of the same webhook
// (job ids themselves come from common/queue/job_id.hpp), and the job a delivery becomes, the
// same for the receiver and for `patchqctl enqueue-export`.
//
// Invariant:
//   - A delivery hash is SHA-256 (hex) over length-prefixed fields, so no two different
//     (item, target, payload) triples share an encoding; a delivery that carries a webhook-id
//     header is identified by that id (and the target) instead of its bytes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/queue/enqueue_script.hpp"

namespace patchq::queue {

// 64 lower-case hex digits.
std::string delivery_hash(std::string_view item_id, std::string_view target,
                          std::string_view payload);
std::string delivery_hash_of_webhook_id(std::string_view webhook_id, std::string_view target);

// The job for one delivery of `payload` about `item_id` to `target`: a fresh job id, received
// now, identified by the webhook-id when there is one (else by the delivery hash, which is then
// also its delivery id), so that repeated deliveries find the job of the first one.
EnqueueRequest delivery_job(std::string_view item_id, std::string target, std::string payload,
                            std::string_view webhook_id = {});

}  // namespace patchq::queue
