// ExportProgress (see enqueue_export_progress.hpp).
#include "services/ctl/enqueue_export_progress.hpp"

#include <cmath>

#include "services/ctl/text_format.hpp"

namespace patchq::ctl {
namespace {

constexpr int kBarWidth = 30;
constexpr std::chrono::milliseconds kTerminalRedraw{100};

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

ExportProgress::ExportProgress(std::FILE* out, bool terminal, std::int64_t total,
                               std::chrono::milliseconds plain_every)
    : out_(out),
      terminal_(terminal),
      total_(total),
      plain_every_(plain_every),
      started_(Clock::now()),
      last_draw_(started_) {}

std::string ExportProgress::describe(std::int64_t done, std::int64_t total, std::int64_t enqueued,
                                     double seconds) {
  const double percent = total > 0 ? 100.0 * static_cast<double>(done) / total : 100.0;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string text = std::to_string(done) + "/" + std::to_string(total) + " " + fixed(percent, 1) +
                     "% " + fixed(rate, 1) + "/s ETA ";
  if (done >= total) {
    text += "0s";
  } else if (rate <= 0) {
    text += "?";
  } else {
    const double left_ms = 1000.0 * static_cast<double>(total - done) / rate;
    text += span_ms(static_cast<std::int64_t>(std::ceil(left_ms / 1000.0)) * 1000);
  }
  return text + " enqueued " + std::to_string(enqueued);
}

void ExportProgress::draw(std::int64_t done, std::int64_t enqueued, bool final) {
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - started_).count();
  const std::string text = describe(done, total_, enqueued, seconds);
  if (terminal_) {
    const int filled = total_ > 0 ? static_cast<int>(kBarWidth * done / total_) : kBarWidth;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kBarWidth - filled), '.');
    // \r and erase-to-end-of-line: the new text may be shorter than the old one.
    std::fprintf(out_, "\r[%s] %s\x1b[K%s", bar.c_str(), text.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "progress %s\n", text.c_str());
  }
  std::fflush(out_);
  last_draw_ = now;
  drawn_ = true;
}

void ExportProgress::update(std::int64_t done, std::int64_t enqueued) {
  const auto since = Clock::now() - last_draw_;
  if (terminal_ ? (since >= kTerminalRedraw || !drawn_) : since >= plain_every_) {
    draw(done, enqueued, false);
  }
}

void ExportProgress::finish(std::int64_t done, std::int64_t enqueued) {
  draw(done, enqueued, true);
}

}  // namespace patchq::ctl
