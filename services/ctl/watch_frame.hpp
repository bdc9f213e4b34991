// What `patchqctl watch` prints for one snapshot: a full screen for a terminal, or one plain
// line when stdout is a pipe or a file (logs of a long backfill stay greppable).
//
// Invariant: text from outside (item ids, targets, error texts, consumer names) is stripped of
// control characters before it reaches the terminal, so a crafted error cannot move the cursor
// or change the terminal's state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/queue/status_snapshot.hpp"

namespace patchq::ctl {

struct FrameStyle {
  std::size_t width = 100;  // columns: lines are cut to fit
  bool unicode = true;      // sparklines with block characters
};

// The whole screen (no escape codes; the caller clears the terminal).
std::string render_watch_screen(const queue::StatusSnapshot& snapshot, const FrameStyle& style);
// One line: time, counts, rates, ETA, dead letters' newest reason.
std::string render_watch_line(const queue::StatusSnapshot& snapshot);
// Control characters (C0, DEL, C1) and bytes that are not UTF-8 replaced by '?'; newlines
// and tabs by spaces.
std::string printable(std::string_view text);

}  // namespace patchq::ctl
