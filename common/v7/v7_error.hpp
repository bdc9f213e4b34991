// V7Error and V7Result: how every V7 call reports failure, as a value. The worker's job
// handler maps Kind::retryable to a job retry (with long backoff, honouring retry_after) and
// Kind::permanent to a dead letter carrying `reason`.
// Invariant: `reason` is readable by an operator and never contains the API key or a presigned
// URL's query string.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/result/result.hpp"

namespace patchq::v7 {

struct V7Error {
  enum class Kind { retryable, permanent };
  Kind kind = Kind::permanent;
  int http_status = 0;  // 0 when no HTTP response was received
  std::string reason;
  std::optional<std::chrono::milliseconds> retry_after;  // from the server's Retry-After

  bool retryable() const { return kind == Kind::retryable; }
  static V7Error permanent(std::string reason, int status = 0) {
    return V7Error{Kind::permanent, status, std::move(reason), std::nullopt};
  }
  static V7Error retryable_error(std::string reason, int status = 0,
                                 std::optional<std::chrono::milliseconds> retry_after = {}) {
    return V7Error{Kind::retryable, status, std::move(reason), retry_after};
  }
};

// A value or a V7Error (common/result). V7Status for calls without a value.
template <typename T>
using V7Result = Result<T, V7Error>;
using V7Status = StatusOf<V7Error>;
inline V7Status success() {
  return V7Status(std::monostate{});
}

}  // namespace patchq::v7
