// Supervisor: the parent of N worker processes (patchq-worker --processes N, N > 1).
//   - forks N children, each running `child(slot)` (slot 0..N-1, kept across restarts);
//   - restarts a child that exits or crashes, after a backoff (common/retry/backoff.hpp) that
//     grows with consecutive quick crashes and resets once a child has run for a while;
//   - forwards SIGTERM/SIGINT to every child once (a second signal is forwarded too: the
//     children then give their jobs up at once), and returns when all have exited;
//   - children die with it: they get SIGTERM if the supervisor itself is killed.
// The supervisor holds no Redis connection and no threads, so fork() is safe.
#pragma once

#include <chrono>
#include <functional>

#include "common/retry/backoff.hpp"

namespace patchq::worker {

struct SupervisorOptions {
  int processes = 1;
  // After SIGTERM, how long children get before SIGKILL (their grace plus a margin).
  std::chrono::milliseconds kill_after{std::chrono::seconds(40)};
  retry::BackoffPolicy restart_backoff{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  std::chrono::milliseconds restart_floor{100};    // never restart sooner than this
  std::chrono::milliseconds healthy_after{30000};  // a child that ran this long resets backoff
};

// Returns the exit code for the supervisor process: 0 once every child has exited after a
// shutdown signal.
int run_supervisor(const SupervisorOptions& options, const std::function<int(int slot)>& child);

}  // namespace patchq::worker
