// StopToken: the worker process's "stop reading new work" flag, with sleeps that end early
// when it is raised, so no duty waits out a backoff during shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace patchq::worker {

class StopToken {
 public:
  void request() {
    {
      std::lock_guard lock(mutex_);
      requested_ = true;
    }
    changed_.notify_all();
  }
  bool requested() const { return requested_.load(); }
  // Sleeps up to `duration`; true when stop was (or is) requested.
  bool wait_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, duration, [this] { return requested_.load(); });
  }

 private:
  std::atomic<bool> requested_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace patchq::worker
