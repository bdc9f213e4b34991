// StorageError: why an object-storage call failed, in the two classes the job loop acts on
// (retry the job later, or dead-letter it), with the HTTP status when there was one.
// Invariant: `reason` is safe to log and to store in a job record: it never carries a secret
// key, an Authorization value or a SAS query (every producer scrubs it, see secret_scrub.hpp).
#pragma once

#include <string>

#include "common/result/result.hpp"

namespace patchq::storage {

struct StorageError {
  enum class Kind { retryable, permanent } kind = Kind::permanent;
  int http_status = 0;  // 0 when the exchange itself failed (connect, timeout, DNS...)
  std::string reason;

  bool retryable() const { return kind == Kind::retryable; }
  static StorageError permanent(std::string reason, int status = 0);
  static StorageError retryable_error(std::string reason, int status = 0);
};

template <typename T>
using StorageResult = Result<T, StorageError>;
using StorageStatus = StatusOf<StorageError>;

inline StorageStatus storage_ok() {
  return StorageStatus(std::monostate{});
}

// HTTP statuses worth another attempt later: 408, 425, 429 and every 5xx.
bool is_retryable_status(int status);

}  // namespace patchq::storage
