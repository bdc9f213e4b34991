// ConnectionRegistry: see connection_registry.hpp.
#include "common/http/connection_registry.hpp"

namespace patchq::http {

std::uint64_t ConnectionRegistry::add(std::shared_ptr<Session> session, std::size_t max) {
  std::lock_guard lock(mu_);
  if (refusing_ || sessions_.size() >= max) return 0;
  const std::uint64_t id = next_id_++;
  sessions_.emplace(id, std::move(session));
  return id;
}

void ConnectionRegistry::refuse_new() {
  std::lock_guard lock(mu_);
  refusing_ = true;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  std::shared_ptr<Session> last;  // destroyed outside the lock
  {
    std::lock_guard lock(mu_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    last = std::move(it->second);
    sessions_.erase(it);
  }
  emptied_.notify_all();
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> ConnectionRegistry::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, session] : sessions_) out.push_back(session);
  return out;
}

bool ConnectionRegistry::wait_empty_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return emptied_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

void ConnectionRegistry::clear() {
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> doomed;
  {
    std::lock_guard lock(mu_);
    doomed.swap(sessions_);
  }
  emptied_.notify_all();
}

}  // namespace patchq::http
