// See tile_trace.hpp.
#include "common/patch/tile_trace.hpp"

#include <time.h>

#include <algorithm>
#include <cstdlib>

#include "common/obs/log.hpp"

namespace patchq::patch {
namespace {

bool trace_requested() {
  const char* value = std::getenv("PATCHQ_TILE_TRACE");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

double thread_cpu_ms() {
  timespec t{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return 0;
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

TileTrace::TileTrace() : TileTrace(trace_requested()) {}

TileTrace::TileTrace(bool on) : on_(on), origin_(Clock::now()) {}

TileTrace::Mark TileTrace::mark() const {
  if (!on_) return {};
  return Mark{Clock::now(), thread_cpu_ms()};
}

void TileTrace::add(int thread, std::string_view what, std::string_view tile, const Mark& start) {
  if (!on_) return;
  const Mark end = mark();
  const auto ms = [this](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(t - origin_).count();
  };
  const std::lock_guard lock(mutex_);
  spans_.push_back(Span{thread, std::string(what), std::string(tile), ms(start.wall), ms(end.wall),
                        end.cpu_ms - start.cpu_ms});
}

void TileTrace::log() const {
  if (!on_) return;
  const std::lock_guard lock(mutex_);
  std::vector<const Span*> sorted;
  sorted.reserve(spans_.size());
  for (const Span& s : spans_) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Span* a, const Span* b) { return a->start_ms < b->start_ms; });
  for (const Span* s : sorted) {
    obs::log_info("tile_trace")
        .field("thread", s->thread)
        .field("what", s->what)
        .field("tile", s->tile)
        .field("start_ms", s->start_ms)
        .field("end_ms", s->end_ms)
        .field("cpu_ms", s->cpu_ms);
  }
}

}  // namespace patchq::patch
