// StatusService: the admin routes' own Redis connection and thread. The status page and its
// API use the same blocking snapshot and dead-letter code as patchqctl (common/queue), so they
// run here, off the receiver's event loops: a slow Redis delays the status page, never a
// webhook. Snapshots are cached for a moment, so any number of open pages refreshing every
// 2 s costs Redis about one script a second.
//
// Invariants: at most max_waiting tasks wait (submit refuses more, the route answers 503);
// every submitted task runs exactly once, also at shutdown (with the connection closed it
// fails fast and answers 503), so no responder is dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/queue/key_schema.hpp"
#include "common/queue/status_snapshot.hpp"
#include "common/redis/sync_client.hpp"

namespace patchq::receiver {

class StatusService {
 public:
  struct Options {
    redis::SyncClient::Options client;
    queue::KeySchema keys;
    std::size_t max_waiting = 64;
    std::chrono::milliseconds cache_for{1000};
  };

  // What a task works with, on the service's thread only.
  class Backend {
   public:
    Backend(redis::SyncClient& client, const queue::KeySchema& keys,
            std::chrono::milliseconds cache_for);
    redis::SyncClient& client() { return client_; }
    const queue::KeySchema& keys() const { return keys_; }
    // The cached snapshot when it is fresh enough, else a new one. Throws like
    // queue::read_status_snapshot.
    const queue::StatusSnapshot& snapshot();
    // Drops the cached snapshot (after an action changed the queue).
    void invalidate() { cached_.reset(); }

   private:
    redis::SyncClient& client_;
    const queue::KeySchema& keys_;
    std::chrono::milliseconds cache_for_;
    std::optional<queue::StatusSnapshot> cached_;
    std::chrono::steady_clock::time_point cached_at_;
  };
  using Task = std::function<void(Backend&)>;

  explicit StatusService(Options options);
  ~StatusService();  // runs what is still waiting, then joins the thread
  StatusService(const StatusService&) = delete;
  StatusService& operator=(const StatusService&) = delete;

  // false: too many tasks wait already (the task is not run).
  bool submit(Task task);

 private:
  void run();

  Options options_;
  redis::SyncClient client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> waiting_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace patchq::receiver
