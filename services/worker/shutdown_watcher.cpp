// ShutdownWatcher: signal thread of a worker process (see shutdown_watcher.hpp).
#include "services/worker/shutdown_watcher.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "common/obs/log.hpp"

namespace patchq::worker {
namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Waits up to `timeout` for SIGTERM/SIGINT; returns the signal or 0.
int wait_signal(std::chrono::milliseconds timeout) {
  const sigset_t set = shutdown_signals();
  timespec ts{static_cast<time_t>(timeout.count() / 1000),
              static_cast<long>((timeout.count() % 1000) * 1000000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

}  // namespace

ShutdownWatcher::ShutdownWatcher(StopToken& stop, std::chrono::milliseconds grace,
                                 std::function<void()> on_abandon)
    : stop_(stop), grace_(grace), on_abandon_(std::move(on_abandon)) {
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

ShutdownWatcher::~ShutdownWatcher() {
  drained();
}

void ShutdownWatcher::drained() {
  drained_ = true;
  if (thread_.joinable()) thread_.join();
}

void ShutdownWatcher::run() {
  using Clock = std::chrono::steady_clock;
  constexpr auto kPoll = std::chrono::milliseconds(100);  // how soon drained() is noticed
  while (!drained_) {
    const int sig = wait_signal(kPoll);
    if (sig == 0 && !stop_.requested()) continue;
    if (sig != 0) {
      obs::log_info("shutdown_requested")
          .field("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
          .field("grace_ms", static_cast<std::int64_t>(grace_.count()));
    }
    stop_.request();
    break;
  }
  const auto deadline = Clock::now() + grace_;
  bool forced = false;
  while (!drained_ && Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (wait_signal(std::min(left, kPoll)) != 0) {
      forced = true;
      break;
    }
  }
  if (drained_) return;
  obs::log_warn("shutdown_abandoning_job")
      .field("why", forced ? "second signal" : "shutdown grace expired");
  if (on_abandon_) on_abandon_();
  ::_exit(kExitAbandoned);
}

}  // namespace patchq::worker
