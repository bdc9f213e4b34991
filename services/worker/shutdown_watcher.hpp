// ShutdownWatcher: turns SIGTERM/SIGINT into a graceful drain with a deadline.
//   first signal  -> stop token raised: the job loop stops reading, the running job may finish
//   grace expired, or a second signal -> on_abandon() (gives the job's lease up so another
//                    worker takes it at once), then the process exits with kExitAbandoned.
// Unfinished work is never acked: abandoning only releases the lease.
// Construct it first in a worker process: it blocks SIGTERM/SIGINT in the calling thread, and
// threads started afterwards inherit that mask, so only its own thread receives them.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "services/worker/stop_token.hpp"

namespace patchq::worker {

inline constexpr int kExitAbandoned = 75;  // EX_TEMPFAIL: a job was left pending for others

class ShutdownWatcher {
 public:
  ShutdownWatcher(StopToken& stop, std::chrono::milliseconds grace,
                  std::function<void()> on_abandon);
  ~ShutdownWatcher();  // calls drained()
  ShutdownWatcher(const ShutdownWatcher&) = delete;
  ShutdownWatcher& operator=(const ShutdownWatcher&) = delete;

  // The process finished its work: the watcher's thread ends, no abandon follows.
  void drained();

 private:
  void run();
  StopToken& stop_;
  std::chrono::milliseconds grace_;
  std::function<void()> on_abandon_;
  std::atomic<bool> drained_{false};
  std::thread thread_;
};

}  // namespace patchq::worker
