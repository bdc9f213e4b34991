// Duty: the thread, the waits and the due check (see duty.hpp).
#include "services/worker/duty.hpp"

#include <exception>

#include "common/obs/log.hpp"

namespace patchq::worker {

Duty::Duty(Params params) : params_(std::move(params)) {}

Duty::~Duty() {
  stop();
}

void Duty::start() {
  thread_ = std::thread([this] { run(); });
}

void Duty::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Duty::restart_wait() {
  {
    std::lock_guard lock(mutex_);
    ++restarts_;
  }
  changed_.notify_all();
}

void Duty::run_if_due() {
  if (Clock::now() < next_round_) return;
  const std::chrono::milliseconds wait = exec();
  next_round_ = Clock::now() + wait;
}

void Duty::run() {
  std::chrono::milliseconds wait = params_.interval;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        const std::uint64_t restarts = restarts_;
        if (!changed_.wait_for(lock, wait, [&] { return stopping_ || restarts_ != restarts; })) {
          break;  // waited it out: time for a round
        }
        if (stopping_) return;
        wait = params_.interval;  // restarted: wait a whole interval again
      }
    }
    try {
      wait = exec();
    } catch (const std::exception& e) {
      obs::log_warn("duty_failed").field("duty", params_.name).field("error", e.what());
      wait = params_.interval;
    }
  }
}

}  // namespace patchq::worker
