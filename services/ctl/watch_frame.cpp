// render_watch_screen / render_watch_line (see watch_frame.hpp).
#include "services/ctl/watch_frame.hpp"

#include <algorithm>
#include <cstdio>

#include "services/ctl/text_format.hpp"

namespace patchq::ctl {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string eta_text(std::int64_t eta_ms) {
  if (eta_ms < 0) return "never (nothing finishing)";
  if (eta_ms == 0) return "0s (empty)";
  return span_ms(eta_ms);
}

// Cuts `line` to `width` display columns, counting UTF-8 sequences as one column each.
std::string fit(const std::string& line, std::size_t width) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (columns == width) return line.substr(0, i);
    ++columns;
  }
  return line;
}

std::string sparkline(const std::vector<std::int64_t>& values, bool unicode) {
  static const char* const kBlocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char kAscii[] = " .:-=+*#%@";
  const std::int64_t top = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  std::string out;
  for (const std::int64_t v : values) {
    if (unicode) {
      const int level = top == 0 ? 0 : static_cast<int>((v * 8 + top - 1) / top);
      out += kBlocks[std::clamp(level, 0, 8)];
    } else {
      const int level = top == 0 ? 0 : static_cast<int>((v * 9 + top - 1) / top);
      out += kAscii[std::clamp(level, 0, 9)];
    }
  }
  return out;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\n' || c == '\t' || c == '\r') {
        out += ' ';
      } else {
        out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence is copied whole; a stray byte (which an 8-bit terminal may read as a
    // C1 control, 0x9B being CSI) and the C1 controls U+0080..U+009F become '?'.
    const std::size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool valid = length > 0 && c < 0xF5 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += '?';
      i += 2;
      continue;
    }
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string render_watch_screen(const queue::StatusSnapshot& s, const FrameStyle& style) {
  std::vector<std::string> lines;
  const auto& q = s.queue;
  lines.push_back("patchq watch  " + iso_time_ms(s.now_ms) + " (Redis clock)   Ctrl-C quits");
  lines.push_back("");
  lines.push_back("queued " + std::to_string(q.queued) + "   running " + std::to_string(q.pending) +
                  "   retrying " + std::to_string(q.retrying) + "   dead " +
                  std::to_string(q.dead) + "   done " + std::to_string(q.done) + "   workers " +
                  std::to_string(s.workers.size()) + "   lag " + span_ms(q.lag_ms));
  lines.push_back("rate " + fixed(s.done_per_minute(), 1) + " done/min   failures " +
                  fixed(s.failure_rate() * 100.0, 1) + "% (" + std::to_string(s.minutes.size()) +
                  " min)   backlog ETA " + eta_text(s.backlog_eta_ms()));
  std::vector<std::int64_t> done, failed;
  for (const auto& m : s.minutes) {
    done.push_back(m.done);
    failed.push_back(m.failures());
  }
  lines.push_back("done/min   [" + sparkline(done, style.unicode) + "]");
  lines.push_back("failed/min [" + sparkline(failed, style.unicode) + "]");
  for (const auto& b : s.v7_buckets) {
    if (b.key.find(":v7rate:") == std::string::npos) continue;
    const std::int64_t last = s.minutes.size() >= 2 ? s.minutes[s.minutes.size() - 2].v7_calls : 0;
    lines.push_back("V7 budget  " + fixed(b.tokens, 1) + " of " + std::to_string(b.burst) +
                    " tokens free, " + std::to_string(last) + " calls last minute (limit " +
                    std::to_string(b.rate_per_minute) + "/min)");
  }
  lines.push_back("");
  lines.push_back("running (" + std::to_string(s.running.size()) + ")");
  const std::size_t max_running = 8;
  for (std::size_t i = 0; i < s.running.size() && i < max_running; ++i) {
    const auto& r = s.running[i];
    lines.push_back("  " + printable(r.consumer) + "  " + printable(r.job_id) + "  item " +
                    printable(r.item_id) + "  " +
                    (r.since_ms > 0 ? "for " + span_ms(s.now_ms - r.since_ms) : std::string()));
  }
  if (s.running.size() > max_running) {
    lines.push_back("  ... " + std::to_string(s.running.size() - max_running) + " more");
  }
  lines.push_back("");
  lines.push_back("recent failures (dead letters, newest first)");
  if (s.recent_dead.empty()) lines.push_back("  none");
  for (const auto& d : s.recent_dead) {
    lines.push_back("  " + span_ms(s.now_ms - d.dead_at_ms) + " ago  " + printable(d.job_id) +
                    "  item " + printable(d.item_id) + "  " + printable(d.reason) + ": " +
                    printable(d.error));
  }
  std::string out;
  for (const auto& line : lines) out += fit(line, style.width) + "\n";
  return out;
}

std::string render_watch_line(const queue::StatusSnapshot& s) {
  const auto& q = s.queue;
  std::string line =
      iso_time_ms(s.now_ms) + " queued=" + std::to_string(q.queued) +
      " running=" + std::to_string(q.pending) + " retrying=" + std::to_string(q.retrying) +
      " dead=" + std::to_string(q.dead) + " done=" + std::to_string(q.done) +
      " workers=" + std::to_string(s.workers.size()) + " lag=" + span_ms(q.lag_ms) +
      " done_per_min=" + fixed(s.done_per_minute(), 1) +
      " failure_rate=" + fixed(s.failure_rate(), 3) +
      " eta=" + (s.backlog_eta_ms() < 0 ? std::string("never") : span_ms(s.backlog_eta_ms()));
  if (!s.recent_dead.empty()) {
    const auto& d = s.recent_dead.front();
    line += " last_dead=" + printable(d.job_id) + ":" + printable(d.reason);
  }
  return line + "\n";
}

}  // namespace patchq::ctl
