// Job ids: UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits from OpenSSL's
// CSPRNG. They sort by creation time and do not collide across receivers and tools; every
// producer of jobs (the receiver, patchqctl enqueue) takes its ids from here.
#pragma once

#include <chrono>
#include <string>

namespace patchq::queue {

// "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e" form, lower-case.
std::string new_job_id(
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace patchq::queue
