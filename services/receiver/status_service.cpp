// StatusService (see status_service.hpp).
#include "services/receiver/status_service.hpp"

#include "common/obs/log.hpp"

namespace patchq::receiver {

StatusService::Backend::Backend(redis::SyncClient& client, const queue::KeySchema& keys,
                                std::chrono::milliseconds cache_for)
    : client_(client), keys_(keys), cache_for_(cache_for) {}

const queue::StatusSnapshot& StatusService::Backend::snapshot() {
  const auto now = std::chrono::steady_clock::now();
  if (!cached_ || now - cached_at_ >= cache_for_) {
    cached_ = queue::read_status_snapshot(client_, keys_);
    cached_at_ = now;
  }
  return *cached_;
}

StatusService::StatusService(Options options)
    : options_(std::move(options)), client_(options_.client), thread_([this] { run(); }) {}

StatusService::~StatusService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool StatusService::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (waiting_.size() >= options_.max_waiting) return false;
    waiting_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void StatusService::run() {
  Backend backend(client_, options_.keys, options_.cache_for);
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, and nothing left to answer
      task = std::move(waiting_.front());
      waiting_.pop_front();
    }
    try {
      task(backend);
    } catch (const std::exception& e) {
      // Tasks answer their own errors; this is a broken invariant, not a Redis outage.
      obs::log_error("status_task_failed").field("error", e.what());
    }
  }
}

}  // namespace patchq::receiver
