#include "common/v7/prepaying_limiter.hpp"

namespace patchq::v7 {
namespace {

// The pacer whose token this thread holds; one at a time is all a caller needs.
thread_local const PrepayingLimiter* prepaid_by = nullptr;

}  // namespace

PrepayingLimiter::PrepayingLimiter(std::shared_ptr<RateLimiter> budget)
    : budget_(std::move(budget)) {}

std::chrono::milliseconds PrepayingLimiter::acquire() {
  if (prepaid_by == this) {
    prepaid_by = nullptr;
    return std::chrono::milliseconds(0);
  }
  return budget_ ? budget_->acquire() : std::chrono::milliseconds(0);
}

std::chrono::milliseconds PrepayingLimiter::prepay() {
  if (prepaid_by == this) return std::chrono::milliseconds(0);
  const auto waited = budget_ ? budget_->acquire() : std::chrono::milliseconds(0);
  prepaid_by = this;
  return waited;
}

void PrepayingLimiter::forfeit() {
  if (prepaid_by == this) prepaid_by = nullptr;
}

}  // namespace patchq::v7
