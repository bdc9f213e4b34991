// Supervisor: fork, watch, restart, forward signals (see supervisor.hpp).
// Signals are handled synchronously: SIGCHLD/SIGTERM/SIGINT are blocked and collected with
// sigtimedwait, so there is no async-signal-safety to worry about in this loop.
#include "services/worker/supervisor.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "common/obs/log.hpp"

namespace patchq::worker {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Slot {
  pid_t pid = 0;
  Clock::time_point started{};
  Clock::time_point restart_at{};
  int quick_crashes = 0;
};

sigset_t supervised_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

pid_t start_child(int slot, const std::function<int(int)>& child) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;  // parent (or -1)
  // Child: die with the supervisor; own process group so a terminal's Ctrl-C reaches the
  // supervisor only (which forwards it once).
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(0);
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::_exit(child(slot));
}

}  // namespace

int run_supervisor(const SupervisorOptions& options, const std::function<int(int slot)>& child) {
  const sigset_t set = supervised_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);

  std::vector<Slot> slots(static_cast<std::size_t>(options.processes));
  auto launch = [&](int index) {
    Slot& s = slots[static_cast<std::size_t>(index)];
    s.pid = start_child(index, child);
    s.started = Clock::now();
    if (s.pid < 0) {
      obs::log_error("worker_fork_failed").field("slot", index).field("error", strerror(errno));
      s.pid = 0;
      s.restart_at = Clock::now() + options.restart_backoff.cap;
      return;
    }
    obs::log_info("worker_process_started").field("slot", index).field("pid", s.pid);
  };
  for (int i = 0; i < options.processes; ++i) launch(i);
  obs::log_info("supervisor_started").field("processes", options.processes);

  bool stopping = false;
  Clock::time_point kill_at{};
  auto live = [&] {
    int n = 0;
    for (const Slot& s : slots) n += s.pid > 0 ? 1 : 0;
    return n;
  };
  auto signal_all = [&](int sig) {
    for (const Slot& s : slots) {
      if (s.pid > 0) ::kill(s.pid, sig);
    }
  };

  while (!stopping || live() > 0) {
    const timespec tick{0, 100 * 1000 * 1000};
    siginfo_t info{};
    const int sig = sigtimedwait(&set, &info, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      obs::log_info("supervisor_forwarding_signal")
          .field("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
          .field("live_processes", live());
      signal_all(SIGTERM);
      if (!stopping) kill_at = Clock::now() + options.kill_after;
      stopping = true;
    }
    // Reap every child that exited (SIGCHLD may coalesce).
    int status = 0;
    pid_t pid = 0;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        Slot& s = slots[i];
        if (s.pid != pid) continue;
        s.pid = 0;
        const auto ran = Clock::now() - s.started;
        if (stopping) {
          obs::log_info("worker_process_exited")
              .field("slot", static_cast<int>(i))
              .field("pid", pid)
              .field("status", describe_status(status));
          break;
        }
        s.quick_crashes = ran >= options.healthy_after ? 1 : s.quick_crashes + 1;
        const milliseconds delay =
            retry::backoff_delay(options.restart_backoff, s.quick_crashes - 1,
                                 options.restart_floor, retry::thread_rng());
        s.restart_at = Clock::now() + delay;
        obs::log_warn("worker_process_died")
            .field("slot", static_cast<int>(i))
            .field("pid", pid)
            .field("status", describe_status(status))
            .field("ran_ms",
                   static_cast<std::int64_t>(std::chrono::duration_cast<milliseconds>(ran).count()))
            .field("restart_in_ms", static_cast<std::int64_t>(delay.count()));
      }
    }
    const auto now = Clock::now();
    if (stopping) {
      if (now >= kill_at && live() > 0) {
        obs::log_warn("supervisor_killing_workers").field("live_processes", live());
        signal_all(SIGKILL);
        kill_at = now + std::chrono::hours(1);
      }
      continue;
    }
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].pid == 0 && now >= slots[i].restart_at) launch(static_cast<int>(i));
    }
  }
  obs::log_info("supervisor_stopped");
  return 0;
}

}  // namespace patchq::worker
