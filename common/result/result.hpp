// Result<T, E>: the one way patchq returns "a value, or the reason why not".
// The rule (docs/ARCHITECTURE.md, "Errors"): an operation that can fail on normal input
// returns Result<T> (E defaults to Failure, a readable reason) or Status when it has no value;
// a module whose callers must tell failures apart (retry or not, an HTTP status) uses its own
// error type as E (v7::V7Error, storage::StorageError). Exceptions are for broken invariants.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace patchq {

// The default error: one line an operator can read, naming what was wrong.
struct Failure {
  std::string reason;
};

template <typename T, typename E = Failure>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : value_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Preconditions: ok() for value(), !ok() for error().
  T& value() & { return std::get<0>(value_); }
  const T& value() const& { return std::get<0>(value_); }
  T&& value() && { return std::get<0>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(value_); }

 private:
  std::variant<T, E> value_;
};

template <typename E = Failure>
using StatusOf = Result<std::monostate, E>;
using Status = StatusOf<Failure>;

inline Status ok_status() {
  return Status(std::monostate{});
}
inline Failure fail(std::string reason) {
  return Failure{std::move(reason)};
}

}  // namespace patchq
