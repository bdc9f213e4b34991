// patchqctl watch: the status snapshot (common/queue/status_snapshot.hpp, the one the
// receiver's status page shows) redrawn every --interval. On a terminal: the whole screen,
// redrawn in place; otherwise one plain line a frame. --once: one frame, then exit;
// --json: the snapshot as JSON (one object a line). Ctrl-C (or SIGTERM) ends it with exit 0.
// Redis going away mid-watch is shown and retried; with --once it is exit 3 like any command.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/queue/status_snapshot.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/text_format.hpp"
#include "services/ctl/watch_frame.hpp"

namespace patchq::ctl {
namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) {
  g_stop.store(true);
}

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 100;
}

std::string frame(const queue::StatusSnapshot& s, const CtlOptions& o, bool tty) {
  if (o.json) return queue::status_snapshot_json(s) + "\n";
  if (tty || o.once) return render_watch_screen(s, {tty ? terminal_width() : 200, tty});
  return render_watch_line(s);
}

void write_out(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

CommandResult run_watch(const CommandInput& in) {
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  CommandResult r;
  if (in.options.once) {
    r.out = frame(queue::read_status_snapshot(in.client, in.keys), in.options, tty);
    return r;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  const bool redraw = tty && !in.options.json;
  if (redraw) write_out("\x1b[?25l");  // hide the cursor while redrawing
  while (!g_stop.load()) {
    std::string text;
    try {
      text = frame(queue::read_status_snapshot(in.client, in.keys), in.options, tty);
    } catch (const redis::ConnectionError& e) {
      text = "Redis unreachable (" + std::string(e.what()) + "); retrying every " +
             span_ms(in.options.interval.count()) + "\n";
    }
    write_out(redraw ? "\x1b[H\x1b[2J" + text : text);
    const auto until = std::chrono::steady_clock::now() + in.options.interval;
    while (!g_stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (redraw) write_out("\x1b[?25h\n");
  return r;
}

}  // namespace patchq::ctl
