// Turning what HttpClient returned into a StorageError: transport failures and HTTP statuses
// classified (retryable: connect, timeout, DNS, reset, 408/425/429/5xx; permanent: the rest),
// the server's error code read from its XML body or x-ms-error-code header, and a hint that
// says what to fix ("check AWS_SECRET_ACCESS_KEY").
// Invariant: every reason built here has passed scrub_secrets with the caller's secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_error.hpp"

namespace patchq::storage {

// <Code> and <Message> of an S3/GCS/Azure XML error body (empty when absent).
struct ErrorBody {
  std::string code;
  std::string message;
};
ErrorBody parse_error_body(std::string_view body);

// What to tell the operator for a status and error code, e.g. "check AWS_ACCESS_KEY_ID"; may
// return empty (no hint).
using HintFor = std::string (*)(int status, std::string_view code);

struct ReplyContext {
  std::string what;  // "S3 PUT bucket/key": the call, without a URL query
  HintFor hint = nullptr;
  std::vector<std::string_view> secrets;  // scrubbed from every reason
};

StorageError transport_failure(const net::TransportError& error, const ReplyContext& context);
// For a response whose status is not the expected success.
StorageError status_failure(const net::HttpResponse& response, const ReplyContext& context);

// The body cap for a GET of at most `max_object_bytes`: never below 64 KiB, so that an error
// reply (XML) is read whole and classified instead of being cut as "too large".
std::uint64_t response_cap(std::uint64_t max_object_bytes);
// The object read, or a permanent error when it is larger than `max_object_bytes`.
StorageResult<std::string> object_within(std::string body, std::uint64_t max_object_bytes,
                                         const ReplyContext& context);

// The Range header value for the first `head_bytes` bytes: "bytes=0-<head_bytes - 1>".
std::string head_range(std::uint64_t head_bytes);
// ObjectHead from the answer to a ranged GET: 206 (Content-Range "bytes a-b/<size>"), 200 (the
// server sent the whole object: cut to `head_bytes`) or 416 (the object is empty). Any other
// status is left to the caller (nullopt).
std::optional<ObjectHead> object_head(net::HttpResponse& response, std::uint64_t head_bytes);

}  // namespace patchq::storage
