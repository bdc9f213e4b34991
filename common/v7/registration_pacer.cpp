#include "common/v7/registration_pacer.hpp"

namespace patchq::v7 {
namespace {

// The pacer whose token this thread holds; one at a time is all a caller needs.
thread_local const RegistrationPacer* prepaid_by = nullptr;

}  // namespace

RegistrationPacer::RegistrationPacer(std::shared_ptr<RateLimiter> budget)
    : budget_(std::move(budget)) {}

std::chrono::milliseconds RegistrationPacer::acquire() {
  if (prepaid_by == this) {
    prepaid_by = nullptr;
    return std::chrono::milliseconds(0);
  }
  return budget_ ? budget_->acquire() : std::chrono::milliseconds(0);
}

std::chrono::milliseconds RegistrationPacer::prepay() {
  if (prepaid_by == this) return std::chrono::milliseconds(0);
  const auto waited = budget_ ? budget_->acquire() : std::chrono::milliseconds(0);
  prepaid_by = this;
  return waited;
}

void RegistrationPacer::forfeit() {
  if (prepaid_by == this) prepaid_by = nullptr;
}

}  // namespace patchq::v7
