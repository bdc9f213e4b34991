// Error classification: the one place that decides which V7/HTTP failures are worth retrying.
//   retryable: HTTP 408, 425, 429 (except INSUFFICIENT_REMAINING_STORAGE), 5xx; timeouts,
//              DNS, refused/reset connections and other network failures. Retry-After surfaces.
//   permanent: every other 4xx (400, 401, 403, 404, 409, 422...), 429 with errors.code
//              INSUFFICIENT_REMAINING_STORAGE (waiting does not free storage), an unexpected
//              3xx, and transport refusals that retrying cannot change (host not allowed,
//              private address, body over the size limit, redirect loops, bad URLs, TLS
//              certificate failures).
#pragma once

#include <chrono>
#include <string_view>

#include "common/net/http_types.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

bool is_retryable_status(int status);

// A V7Error for a non-2xx response to `what` ("register_upload", "fetch image"...).
// The reason carries the status and a short, sanitised excerpt of V7's error body.
V7Error classify_response(
    const net::HttpResponse& response, std::string_view what,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

V7Error classify_transport(const net::TransportError& error, std::string_view what);

// Replaces every occurrence of `secret` in `text` by "***" (belt and braces for error texts
// that quote a server's reply).
std::string scrub_secret(std::string text, std::string_view secret);

}  // namespace patchq::v7
