// Timeline of one tiling run per thread, for finding what keeps threads idle: with the
// environment variable PATCHQ_TILE_TRACE set (to anything but "" or "0"), every span (decode,
// waits for rows, encodes, sink calls) is logged at the end of the run as a `tile_trace` line:
// thread (0 = the caller's), what, tile, start_ms and end_ms from the start of the run, and
// cpu_ms, the CPU time the thread got during the span (less than the span when it was waiting
// or the machine ran something else).
// Off by default: then add() costs one branch.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace patchq::patch {

class TileTrace {
 public:
  using Clock = std::chrono::steady_clock;

  TileTrace();  // reads PATCHQ_TILE_TRACE
  explicit TileTrace(bool on);

  // Where a span starts: the time and the calling thread's CPU time (zeros when off).
  struct Mark {
    Clock::time_point wall;
    double cpu_ms = 0;
  };

  bool on() const { return on_; }
  Mark mark() const;
  // Adds the span from `start` to now on the calling thread. Thread-safe.
  void add(int thread, std::string_view what, std::string_view tile, const Mark& start);
  // Logs every span, in start order.
  void log() const;

 private:
  struct Span {
    int thread;
    std::string what;
    std::string tile;
    double start_ms;
    double end_ms;
    double cpu_ms;
  };
  bool on_;
  Clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<Span> spans_;
};

}  // namespace patchq::patch
