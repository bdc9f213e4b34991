// Job identity: the id a new job gets, and the delivery hash that recognises a repeated
// delivery of the same webhook.
//
// Invariants:
//   - Job ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits from
//     OpenSSL's CSPRNG. They sort by creation time and do not collide across receivers.
//   - A delivery hash is SHA-256 (hex) over length-prefixed fields, so no two different
//     (item, target, payload) triples share an encoding; a delivery that carries a webhook-id
//     header is identified by that id (and the target) instead of its bytes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace patchq::receiver {

// "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e" form, lower-case.
std::string new_job_id(
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// 64 lower-case hex digits.
std::string delivery_hash(std::string_view item_id, std::string_view target,
                          std::string_view payload);
std::string delivery_hash_of_webhook_id(std::string_view webhook_id, std::string_view target);

}  // namespace patchq::receiver
