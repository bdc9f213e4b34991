// ParseResult: either a parsed Item or a one-line reason why the payload was refused.
// Errors are values: nothing in the parser throws past its API. The reason names the field path
// and what was wrong with it, e.g. "annotations[2].bounding_box.w: expected a number in
// [0, 1e+09], got -3".
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "common/webhook/item.hpp"

namespace patchq::webhook {

class ParseResult {
 public:
  static ParseResult success(Item item) { return ParseResult(std::move(item)); }
  static ParseResult failure(std::string reason) { return ParseResult(Failure{std::move(reason)}); }

  bool ok() const { return std::holds_alternative<Item>(value_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  const Item& item() const& { return std::get<Item>(value_); }
  Item&& item() && { return std::get<Item>(std::move(value_)); }

  // Empty when ok().
  const std::string& error() const {
    static const std::string none;
    return ok() ? none : std::get<Failure>(value_).reason;
  }

 private:
  struct Failure {
    std::string reason;
  };
  explicit ParseResult(Item item) : value_(std::move(item)) {}
  explicit ParseResult(Failure failure) : value_(std::move(failure)) {}

  std::variant<Item, Failure> value_;
};

}  // namespace patchq::webhook
