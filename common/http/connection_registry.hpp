// ConnectionRegistry: the set of open connections of one HttpServer.
// Invariants: a session is in the registry from accept until its socket is closed, and the
// registry holds the only long-lived strong reference to it (responders hold weak ones), so
// size() is the number of open sockets; waiters are woken on every removal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace patchq::http {

class Session;

class ConnectionRegistry {
 public:
  // Adds a session unless `max` are already open or refuse_new() was called; returns its id,
  // or 0 when refused.
  std::uint64_t add(std::shared_ptr<Session> session, std::size_t max);
  // From now on add() refuses: a shutdown's snapshot then holds every session there will be.
  void refuse_new();
  void remove(std::uint64_t id);
  std::size_t size() const;
  std::vector<std::shared_ptr<Session>> snapshot() const;
  // true when the registry became empty before `deadline`.
  bool wait_empty_until(std::chrono::steady_clock::time_point deadline);
  void clear();

 private:
  mutable std::mutex mu_;
  std::condition_variable emptied_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 1;
  bool refusing_ = false;
};

}  // namespace patchq::http
