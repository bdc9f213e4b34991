// See decoded_budget.hpp. Waiters queue as tickets; only the head of the queue may take bytes,
// so the order of grants is the order of arrival, and a waiter that leaves (granted, stopped,
// timed out) wakes the others so the next head can look again.
#include "common/patch/decoded_budget.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/obs/log.hpp"
#include "common/obs/metrics.hpp"

namespace patchq::patch {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Waits from a few milliseconds (two jobs' decodes overlapping) to minutes (a queue of large
// images).
std::vector<double> wait_buckets_seconds() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600};
}

}  // namespace

DecodedReservation::DecodedReservation(DecodedReservation&& other) noexcept
    : budget_(other.budget_), bytes_(other.bytes_), waited_(other.waited_) {
  other.budget_ = nullptr;
  other.bytes_ = 0;
}

DecodedReservation& DecodedReservation::operator=(DecodedReservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    waited_ = other.waited_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void DecodedReservation::release() {
  if (budget_ != nullptr && bytes_ > 0) budget_->give_back(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

DecodedBudget::DecodedBudget(Options options) : options_(std::move(options)) {
  if (options_.capacity == 0) throw std::invalid_argument("a decoded-bytes budget needs 1 byte");
  stats_.capacity = options_.capacity;
  if (options_.metrics != nullptr) {
    obs::Registry& r = *options_.metrics;
    r.gauge("patchq_decoded_bytes_budget",
            "Decoded-image bytes the jobs of this process may hold at once "
            "(--decoded-bytes-budget)")
        .set(static_cast<double>(options_.capacity));
    reserved_gauge_ = &r.gauge("patchq_decoded_bytes_reserved",
                               "Decoded-image bytes reserved by the jobs decoding now");
    peak_gauge_ = &r.gauge("patchq_decoded_bytes_reserved_peak",
                           "The most decoded-image bytes reserved at once since the process began");
    waiting_gauge_ =
        &r.gauge("patchq_decoded_bytes_waiting", "Jobs waiting for the decoded-bytes budget now");
    waits_counter_ = &r.counter("patchq_decoded_bytes_waits_total",
                                "Decodes that waited for the decoded-bytes budget");
    timeouts_counter_ =
        &r.counter("patchq_decoded_bytes_wait_timeouts_total",
                   "Decodes that gave up waiting for the decoded-bytes budget (job retried)");
    wait_seconds_ = &r.histogram("patchq_decoded_bytes_wait_seconds",
                                 "How long decodes that waited for the decoded-bytes budget waited",
                                 wait_buckets_seconds());
  }
}

Result<DecodedReservation, BudgetRefusal> DecodedBudget::reserve(std::uint64_t bytes,
                                                                 const StopProbe& stop,
                                                                 std::string_view what) {
  if (bytes == 0) return DecodedReservation{};
  const std::uint64_t need = std::min(bytes, options_.capacity);
  const auto started = Clock::now();
  std::unique_lock lock(mutex_);
  const auto fits = [&] { return stats_.reserved + need <= options_.capacity; };
  if (queue_.empty() && fits()) {
    stats_.reserved += need;
    stats_.peak = std::max(stats_.peak, stats_.reserved);
    publish_locked();
    return DecodedReservation(this, need, std::chrono::nanoseconds(0));
  }

  const std::uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  stats_.waiting += 1;
  stats_.waits += 1;
  if (waits_counter_ != nullptr) waits_counter_->inc();
  publish_locked();
  const auto leave_queue = [&] {
    queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
    stats_.waiting -= 1;
    if (wait_seconds_ != nullptr) {
      wait_seconds_->observe(std::chrono::duration<double>(Clock::now() - started).count());
    }
    changed_.notify_all();  // the next waiter may be the head now
  };
  const auto refuse = [&](BudgetRefusal::Kind kind, const char* why) {
    const auto waited = Clock::now() - started;
    std::string reason = std::string(why) + " after waiting " + std::to_string(ms(waited)) +
                         " ms for " + std::to_string(need) +
                         " bytes of the decoded-bytes budget (" + std::to_string(stats_.reserved) +
                         " of " + std::to_string(options_.capacity) + " held by other jobs)";
    leave_queue();
    publish_locked();
    return BudgetRefusal{kind, waited, std::move(reason)};
  };

  const auto deadline = started + options_.max_wait;
  bool logged = false;
  for (;;) {
    if (queue_.front() == ticket && fits()) break;
    if (stop && stop()) return refuse(BudgetRefusal::Kind::stopped, "stopped");
    const auto now = Clock::now();
    if (now >= deadline) {
      stats_.timeouts += 1;
      if (timeouts_counter_ != nullptr) timeouts_counter_->inc();
      return refuse(BudgetRefusal::Kind::timed_out, "gave up");
    }
    if (!logged && now - started >= options_.long_wait) {
      logged = true;
      const std::uint64_t reserved = stats_.reserved;
      const auto ahead = static_cast<std::uint64_t>(
          std::find(queue_.begin(), queue_.end(), ticket) - queue_.begin());
      lock.unlock();
      obs::log_warn("decoded_budget_wait")
          .field("what", what)
          .field("bytes", need)
          .field("reserved", reserved)
          .field("budget", options_.capacity)
          .field("waiters_ahead", ahead)
          .field("waited_ms", ms(now - started));
      lock.lock();
      continue;
    }
    changed_.wait_until(lock, std::min(deadline, now + options_.poll));
  }
  stats_.reserved += need;
  stats_.peak = std::max(stats_.peak, stats_.reserved);
  const auto waited = Clock::now() - started;
  leave_queue();
  publish_locked();
  if (logged) {
    lock.unlock();
    obs::log_info("decoded_budget_granted")
        .field("what", what)
        .field("bytes", need)
        .field("waited_ms", ms(waited));
  }
  return DecodedReservation(this, need, waited);
}

void DecodedBudget::give_back(std::uint64_t bytes) {
  {
    const std::lock_guard lock(mutex_);
    stats_.reserved -= std::min(bytes, stats_.reserved);
    publish_locked();
  }
  changed_.notify_all();
}

DecodedBudget::Stats DecodedBudget::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void DecodedBudget::publish_locked() {
  if (reserved_gauge_ == nullptr) return;
  reserved_gauge_->set(static_cast<double>(stats_.reserved));
  peak_gauge_->set(static_cast<double>(stats_.peak));
  waiting_gauge_->set(static_cast<double>(stats_.waiting));
}

}  // namespace patchq::patch
