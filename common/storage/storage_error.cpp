#include "common/storage/storage_error.hpp"

#include <utility>

namespace patchq::storage {

StorageError StorageError::permanent(std::string reason, int status) {
  return StorageError{Kind::permanent, status, std::move(reason)};
}

StorageError StorageError::retryable_error(std::string reason, int status) {
  return StorageError{Kind::retryable, status, std::move(reason)};
}

bool is_retryable_status(int status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

}  // namespace patchq::storage
