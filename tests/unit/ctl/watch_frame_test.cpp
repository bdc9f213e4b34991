// patchqctl watch's frames from a made-up snapshot: what a terminal and a pipe get, and
// control characters from outside kept away from the terminal.
#include "services/ctl/watch_frame.hpp"

#include <gtest/gtest.h>

namespace patchq::ctl {
namespace {

queue::StatusSnapshot sample() {
  queue::StatusSnapshot s;
  s.now_ms = 1'700'000'000'000;
  s.queue.queued = 120;
  s.queue.pending = 4;
  s.queue.retrying = 6;
  s.queue.dead = 2;
  s.queue.done = 3400;
  for (int i = 0; i < 15; ++i) {
    queue::MinuteCounts m;
    m.minute = s.now_ms / 60000 - 14 + i;
    m.done = 26;  // 26 a minute: the backlog of 130 takes 5 minutes
    m.retry = i == 14 ? 5 : 0;
    s.minutes.push_back(m);
  }
  queue::DeadLetter d;
  d.job_id = "j1";
  d.item_id = "item\x1b[2J";
  d.reason = "permanent";
  d.error = "refused\r\nnext\x9b";
  d.dead_at_ms = s.now_ms - 90'000;
  s.recent_dead.push_back(d);
  s.workers.push_back({"host:1", 1, 200});
  return s;
}

TEST(WatchFrame, TheScreenShowsCountsRateEtaAndFailures) {
  const std::string screen = render_watch_screen(sample(), {120, true});
  EXPECT_NE(screen.find("queued 120   running 4   retrying 6   dead 2   done 3400   workers 1"),
            std::string::npos)
      << screen;
  EXPECT_NE(screen.find("rate 26.0 done/min"), std::string::npos) << screen;
  EXPECT_NE(screen.find("backlog ETA 5m"), std::string::npos) << screen;
  EXPECT_NE(screen.find("1m ago  j1  item item?[2J  permanent: refused  next?"), std::string::npos)
      << screen;
  EXPECT_EQ(screen.find('\x1b'), std::string::npos);
}

TEST(WatchFrame, LinesAreCutToTheTerminalWidth) {
  const std::string screen = render_watch_screen(sample(), {30, false});
  std::size_t start = 0;
  while (start < screen.size()) {
    const auto end = screen.find('\n', start);
    EXPECT_LE(end - start, 30u) << screen.substr(start, end - start);
    start = end + 1;
  }
}

TEST(WatchFrame, APipeGetsOneGreppableLine) {
  const std::string line = render_watch_line(sample());
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find(" queued=120 running=4 retrying=6 dead=2 done=3400 workers=1 "),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(" eta=5m"), std::string::npos) << line;
  EXPECT_NE(line.find(" last_dead=j1:permanent"), std::string::npos) << line;
}

TEST(WatchFrame, NothingFinishingMeansNoEta) {
  auto s = sample();
  for (auto& m : s.minutes) m.done = 0;
  EXPECT_NE(render_watch_screen(s, {}).find("backlog ETA never"), std::string::npos);
  EXPECT_NE(render_watch_line(s).find(" eta=never"), std::string::npos);
}

TEST(Printable, ReplacesC0C1AndDelButKeepsUtf8) {
  EXPECT_EQ(printable("a\x1b[31mb\x7f"), "a?[31mb?");
  EXPECT_EQ(printable("tab\there"), "tab here");
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "?2J");
  EXPECT_EQ(printable("größe ✓"), "größe ✓");
  EXPECT_EQ(printable("a\x9b"
                      "2Jb\xff"),
            "a?2Jb?");  // stray bytes: CSI on 8-bit terminals
  EXPECT_EQ(printable("cut \xe2\x9c"), "cut ??");
}

}  // namespace
}  // namespace patchq::ctl
