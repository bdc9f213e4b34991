// ExportProgress: how far a backfill is, on stderr. On a terminal one line redrawn in place
// (a bar, done/total, percent, rate, ETA), at most ten times a second; otherwise (a log, a
// pipe, a CI job) a plain line every `plain_every`, and one at the end. The rate is over this
// run (entries handled since it started), so the ETA is what is left at that pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace patchq::ctl {

class ExportProgress {
 public:
  using Clock = std::chrono::steady_clock;

  ExportProgress(std::FILE* out, bool terminal, std::int64_t total,
                 std::chrono::milliseconds plain_every);

  // `done` entries of `total` handled, `enqueued` of them new jobs.
  void update(std::int64_t done, std::int64_t enqueued);
  void finish(std::int64_t done, std::int64_t enqueued);

  // The text of one progress report (no bar): "120/1000 12.0% 3.7/s ETA 3m57s enqueued 118".
  static std::string describe(std::int64_t done, std::int64_t total, std::int64_t enqueued,
                              double seconds);

 private:
  void draw(std::int64_t done, std::int64_t enqueued, bool final);

  std::FILE* out_;
  bool terminal_;
  std::int64_t total_;
  std::chrono::milliseconds plain_every_;
  Clock::time_point started_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace patchq::ctl
