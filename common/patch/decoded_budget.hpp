// DecodedBudget: one process's budget of decoded-image bytes, shared by the jobs it runs at once
// (a worker's --jobs-in-flight lanes). --max-decoded-bytes bounds one job; this bounds their sum,
// so a process's decode memory is one number whatever the jobs in flight.
//   Before a decode, the tiler reserves what the header says the decode will take
//   (decode_reservation_bytes); the reservation is released when the tiler is done with the
//   pixels (RAII, every exit path). A reservation that does not fit waits its turn.
// Invariants:
//   - reserved bytes never exceed the capacity; a request larger than the whole budget is
//     granted alone (it waits until nothing is reserved, then takes all of it);
//   - first come, first served: a waiter is granted only when every earlier waiter was, so a
//     large request is never starved by a stream of small ones;
//   - a wait ends granted, stopped (the caller's stop probe, polled every `poll`), or timed out
//     (`max_wait`); a stopped or timed-out waiter leaves the queue and takes nothing;
//   - a caller holds at most one reservation at a time (the tiler's rule), so waits cannot form
//     a cycle: nobody waits while holding bytes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::obs {
class Registry;
class Gauge;
class Counter;
class Histogram;
}  // namespace patchq::obs

namespace patchq::patch {

class DecodedBudget;

// Bytes held from a DecodedBudget; given back when destroyed. Move-only; empty when default
// constructed or moved from.
class DecodedReservation {
 public:
  DecodedReservation() = default;
  ~DecodedReservation() { release(); }
  DecodedReservation(DecodedReservation&& other) noexcept;
  DecodedReservation& operator=(DecodedReservation&& other) noexcept;
  DecodedReservation(const DecodedReservation&) = delete;
  DecodedReservation& operator=(const DecodedReservation&) = delete;

  std::uint64_t bytes() const { return bytes_; }  // what the budget holds for it
  std::chrono::nanoseconds waited() const { return waited_; }
  void release();  // gives the bytes back now (idempotent)

 private:
  friend class DecodedBudget;
  DecodedReservation(DecodedBudget* budget, std::uint64_t bytes, std::chrono::nanoseconds waited)
      : budget_(budget), bytes_(bytes), waited_(waited) {}
  DecodedBudget* budget_ = nullptr;
  std::uint64_t bytes_ = 0;
  std::chrono::nanoseconds waited_{0};
};

struct BudgetRefusal {
  enum class Kind { stopped, timed_out };
  Kind kind = Kind::stopped;
  std::chrono::nanoseconds waited{0};
  std::string reason;  // one line: how long it waited, for how many bytes, what was held
};

class DecodedBudget {
 public:
  using StopProbe = std::function<bool()>;

  struct Options {
    std::uint64_t capacity = 0;  // bytes; at least 1
    // Longest a reservation waits; past it the caller gives up (a worker retries the job later,
    // perhaps on a less busy process).
    std::chrono::milliseconds max_wait{std::chrono::minutes(10)};
    // A wait longer than this is logged (once per wait, warn "decoded_budget_wait").
    std::chrono::milliseconds long_wait{std::chrono::seconds(10)};
    // How often a waiter asks its stop probe (shutdown, lost lease).
    std::chrono::milliseconds poll{std::chrono::milliseconds(50)};
    // When set, the budget's series are registered there (patchq_decoded_bytes_*).
    obs::Registry* metrics = nullptr;
  };

  struct Stats {
    std::uint64_t capacity = 0;
    std::uint64_t reserved = 0;  // now
    std::uint64_t peak = 0;      // the most reserved at once since start
    std::uint64_t waiting = 0;   // callers waiting now
    std::uint64_t waits = 0;     // reservations that had to wait (granted or not)
    std::uint64_t timeouts = 0;  // waits that ended past max_wait
  };

  explicit DecodedBudget(Options options);
  DecodedBudget(const DecodedBudget&) = delete;
  DecodedBudget& operator=(const DecodedBudget&) = delete;
  // Precondition: no reservation outlives the budget.
  ~DecodedBudget() = default;

  // Reserves `bytes` (capped at the capacity), waiting its turn. 0 bytes is granted at once and
  // holds nothing. `what` names the caller in the long-wait log line (an item id).
  Result<DecodedReservation, BudgetRefusal> reserve(std::uint64_t bytes, const StopProbe& stop,
                                                    std::string_view what = {});

  Stats stats() const;
  std::uint64_t capacity() const { return options_.capacity; }

 private:
  friend class DecodedReservation;
  void give_back(std::uint64_t bytes);
  void publish_locked();  // precondition: mutex_ held

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // bytes given back or a waiter left the queue
  std::deque<std::uint64_t> queue_;  // tickets of the waiters, first come first
  std::uint64_t next_ticket_ = 0;
  Stats stats_;
  obs::Gauge* reserved_gauge_ = nullptr;
  obs::Gauge* peak_gauge_ = nullptr;
  obs::Gauge* waiting_gauge_ = nullptr;
  obs::Counter* waits_counter_ = nullptr;
  obs::Counter* timeouts_counter_ = nullptr;
  obs::Histogram* wait_seconds_ = nullptr;
};

}  // namespace patchq::patch
