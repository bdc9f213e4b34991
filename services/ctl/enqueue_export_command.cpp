// patchqctl enqueue-export: backfills a dataset that existed before the webhook stage. Every
// item file of a Darwin JSON 2.0 export becomes the job the receiver would make from a webhook
// carrying that item (queue::delivery_job: the same identity and 24 h dedup), written together
// with the backfill's cursor (queue::BackfillCursor), at --rate jobs a second.
//
// Per entry, in name order: read (bounded) -> examine (JSON, the receiver's parser, image URL)
// -> [resolve the URL through V7] -> pace -> enqueue + advance the cursor. A bad file is listed
// and passed; an item without a usable URL is listed and left for a later run; the rest goes
// on. SIGINT/SIGTERM stop between two entries, so the next run enqueues only what is left.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include "common/patch/patch_plan.hpp"
#include "common/patch/tile_flags.hpp"
#include "common/queue/backfill_cursor.hpp"
#include "common/queue/job_identity.hpp"
#include "common/queue/target_slug.hpp"
#include "services/ctl/commands.hpp"
#include "services/ctl/enqueue_export_item.hpp"
#include "services/ctl/enqueue_export_progress.hpp"
#include "services/ctl/enqueue_export_resolver.hpp"
#include "services/ctl/enqueue_export_source.hpp"
#include "services/ctl/text_format.hpp"

namespace patchq::ctl {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitInterrupted = 130;    // 128 + SIGINT, as shells report it
constexpr std::size_t kMaxListed = 200;  // lines per list in the report

volatile std::sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int sig) {
  g_stop_signal = sig;
}

// Installs the stop handlers for the command's lifetime.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  bool raised() const { return g_stop_signal != 0; }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Spaces jobs 1/rate apart; a stall (a slow look-up) does not turn into a burst afterwards.
class Pacer {
 public:
  explicit Pacer(double per_second)
      : gap_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / per_second))),
        next_(Clock::now()) {}
  // Waits for the next slot; false when a stop signal came first.
  bool wait(const StopSignals& stop) {
    while (true) {
      if (stop.raised()) return false;
      const auto now = Clock::now();
      if (now >= next_) break;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next_ - now, std::chrono::milliseconds(100)));
    }
    next_ = std::max(next_, Clock::now() - gap_) + gap_;
    return true;
  }

 private:
  Clock::duration gap_;
  Clock::time_point next_;
};

struct WorkItem {
  const ExportEntry* entry;
  bool advance;  // false: behind the cursor, from the unresolved set
};

struct Listed {
  std::string name;
  std::string reason;
};

struct Tally {
  std::int64_t behind_cursor = 0;
  std::int64_t enqueued = 0;
  std::int64_t duplicates = 0;
  std::int64_t resolved = 0;
  std::vector<Listed> bad;
  std::vector<Listed> unresolved;
  // --dry-run
  std::int64_t items = 0;
  std::int64_t patch_annotations = 0;
  std::int64_t skipped_annotations = 0;
  std::int64_t tiles = 0;
  std::int64_t without_size = 0;
  std::int64_t nothing_to_cut = 0;
};

void line(std::string& out, std::string_view label, const std::string& value) {
  out += std::string(label);
  out.append(label.size() < 20 ? 20 - label.size() : 1, ' ');
  out += value + "\n";
}

void list(std::string& out, std::string_view heading, const std::vector<Listed>& entries) {
  if (entries.empty()) return;
  out += std::string(heading) + ":\n";
  for (std::size_t i = 0; i < entries.size() && i < kMaxListed; ++i) {
    out += "  " + entries[i].name + ": " + entries[i].reason + "\n";
  }
  if (entries.size() > kMaxListed) {
    out += "  ... and " + std::to_string(entries.size() - kMaxListed) + " more\n";
  }
}

std::string rate_text(double rate) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f jobs/s", rate);
  return buffer;
}

CommandResult usage(std::string why) {
  return {kExitUsage, "", "patchqctl enqueue-export: " + why + "\n"};
}

}  // namespace

CommandResult run_enqueue_export(const CommandInput& in) {
  const EnqueueExportOptions& o = in.options.export_options;
  const std::string& path = in.args.at(0);
  const std::string& target = in.options.target;
  if (auto checked = queue::check_slug(target, "--target"); !checked) {
    return usage(checked.error().reason);
  }
  const auto rate = jobs_per_second(o);
  if (!rate) return usage(rate.error().reason);
  const auto rules = patch::to_patch_rules(o.patch_rules);
  if (!rules) return usage(rules.error().reason);
  if (o.resolve_urls && !o.dry_run) {
    if (auto valid = v7::validate(o.v7); !valid)
      return usage("--resolve-urls: " + valid.error().reason);
  }
  auto opened = ExportSource::open(path);
  if (!opened) return usage(opened.error().reason);
  ExportSource& source = **opened;

  queue::BackfillCursor cursor(in.client, in.keys,
                               queue::BackfillCursor::run_id(source.identity(), target));
  queue::BackfillState state;
  std::string cursor_note;
  if (o.dry_run) {
    try {
      if (!o.restart) state = cursor.load();
    } catch (const redis::ConnectionError& e) {
      cursor_note = std::string("unknown (Redis unreachable: ") + e.what() + ")";
    }
  } else {
    if (o.restart) cursor.reset();
    state = cursor.load();
  }

  const std::set<std::string> unresolved_before(state.unresolved.begin(), state.unresolved.end());
  Tally tally;
  std::vector<WorkItem> work;
  for (const auto& entry : source.entries()) {
    const bool behind = !state.cursor.empty() && entry.name <= state.cursor;
    if (!behind) {
      work.push_back({&entry, true});
    } else if (unresolved_before.count(entry.name) != 0) {
      work.push_back({&entry, false});
    } else {
      ++tally.behind_cursor;
    }
  }
  if (!o.dry_run) cursor.begin(path, target, static_cast<std::int64_t>(source.entries().size()));

  std::unique_ptr<UrlResolver> resolver;
  if (o.resolve_urls && !o.dry_run) {
    resolver = std::make_unique<UrlResolver>(o.v7, in.client.endpoint(), in.keys.prefix());
  }
  const StopSignals stop;
  Pacer pacer(*rate);
  ExportProgress progress(stderr, isatty(STDERR_FILENO) == 1,
                          static_cast<std::int64_t>(work.size()), o.progress_every);
  std::int64_t done = 0;
  bool interrupted = false;
  bool stopped_early = false;
  std::string redis_refusal;

  for (const WorkItem& w : work) {
    if (stop.raised()) {
      interrupted = true;
      break;
    }
    if (o.stop_after > 0 && tally.enqueued >= o.stop_after) {
      stopped_early = true;
      break;
    }
    const ExportEntry& entry = *w.entry;
    auto bad = [&](std::string reason) {
      tally.bad.push_back({entry.name, std::move(reason)});
      if (!o.dry_run) cursor.mark_bad(entry.name, w.advance);
    };
    progress.update(done, tally.enqueued);
    ++done;
    auto bytes = source.read(entry, o.max_file_bytes);
    if (!bytes) {
      bad(bytes.error().reason);
      continue;
    }
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    auto examined = examine_export_item(*bytes, now_ms, o.url_margin.count());
    if (!examined) {
      bad(examined.error().reason);
      continue;
    }
    const webhook::Item& item = examined->item;
    std::string payload = std::move(bytes).value();
    if (examined->url != UrlState::usable) {
      std::string reason = examined->url_note;
      bool fixed = false;
      if (resolver) {
        auto url = resolver->resolve(item);
        if (url) {
          auto rewritten = with_image_url(payload, *url);
          if (rewritten) {
            payload = std::move(rewritten).value();
            fixed = true;
          } else {
            reason += "; " + rewritten.error().reason;
          }
        } else {
          reason += "; " + url.error().reason;
        }
      }
      if (!fixed) {
        tally.unresolved.push_back({entry.name + " (item " + item.item_id + ")", reason});
        if (!o.dry_run) cursor.mark_unresolved(entry.name, w.advance);
        if (!o.dry_run) continue;
      } else {
        ++tally.resolved;
      }
    }
    if (o.dry_run) {
      ++tally.items;
      if (!item.slot.width || !item.slot.height) {
        ++tally.without_size;
        continue;
      }
      const auto plan = patch::plan_patches(
          item, {static_cast<int>(*item.slot.width), static_cast<int>(*item.slot.height)}, *rules);
      tally.patch_annotations += static_cast<std::int64_t>(plan.patches.size());
      tally.skipped_annotations += static_cast<std::int64_t>(plan.skipped.size());
      tally.tiles += plan.tile_count;
      if (plan.patches.empty()) ++tally.nothing_to_cut;
      continue;
    }
    if (!pacer.wait(stop)) {
      interrupted = true;
      --done;
      break;
    }
    const auto outcome = cursor.enqueue(
        queue::delivery_job(item.item_id, target, std::move(payload)), entry.name, w.advance);
    if (outcome.status == queue::EnqueueStatus::queued) {
      ++tally.enqueued;
    } else if (outcome.status == queue::EnqueueStatus::duplicate) {
      ++tally.duplicates;
    } else {
      redis_refusal = outcome.reason;
      --done;
      break;
    }
  }
  progress.finish(done, tally.enqueued);
  const bool finished = !interrupted && !stopped_early && redis_refusal.empty();
  if (finished && !o.dry_run) cursor.finish();

  CommandResult r;
  std::string& out = r.out;
  line(out, "export", path + " (" + source.kind() + ")");
  line(out, "item files", std::to_string(source.entries().size()));
  if (source.ignored() > 0) line(out, "ignored files", std::to_string(source.ignored()));
  line(out, "target", target);
  if (!cursor_note.empty()) line(out, "cursor", cursor_note);
  if (tally.behind_cursor > 0) line(out, "behind cursor", std::to_string(tally.behind_cursor));
  if (o.dry_run) {
    line(out, "dry run", "nothing enqueued");
    line(out, "items", std::to_string(tally.items));
    line(out, "patch annotations", std::to_string(tally.patch_annotations));
    line(out, "skipped annotations", std::to_string(tally.skipped_annotations));
    line(out, "expected tiles", std::to_string(tally.tiles));
    line(out, "nothing to cut", std::to_string(tally.nothing_to_cut));
    line(out, "without size", std::to_string(tally.without_size));
    const std::int64_t would =
        tally.items - static_cast<std::int64_t>(o.resolve_urls ? 0 : tally.unresolved.size());
    line(out, "would enqueue", std::to_string(would));
    line(out, "rate", rate_text(*rate));
    line(out, "duration", "~" + span_ms(static_cast<std::int64_t>(1000.0 * would / *rate)));
    line(out, "v7 calls",
         "~" + std::to_string(static_cast<std::int64_t>(would * kV7CallsPerJob)) + " (workers), +" +
             std::to_string(o.resolve_urls ? tally.unresolved.size() : 0) + " look-ups");
  } else {
    line(out, "enqueued", std::to_string(tally.enqueued));
    line(out, "duplicates", std::to_string(tally.duplicates));
    if (o.resolve_urls) line(out, "resolved urls", std::to_string(tally.resolved));
    line(out, "rate", rate_text(*rate));
  }
  line(out, "bad files", std::to_string(tally.bad.size()));
  line(out, "no usable url", std::to_string(tally.unresolved.size()));
  list(out, "bad files", tally.bad);
  list(out, "items without a usable image URL", tally.unresolved);
  if (!tally.unresolved.empty() && !o.resolve_urls) {
    out +=
        "hint: run again with --resolve-urls and a V7 API key (V7_API_KEY) to get fresh URLs "
        "from V7; only what is left is tried\n";
  }

  if (!redis_refusal.empty()) {
    r.err += "patchqctl enqueue-export: Redis refused a job: " + redis_refusal +
             "; run again to go on\n";
    r.exit_code = kExitRedis;
  } else if (interrupted) {
    r.err += "patchqctl enqueue-export: interrupted; run the same command again to go on\n";
    r.exit_code = kExitInterrupted;
  } else {
    if (stopped_early) {
      r.err += "patchqctl enqueue-export: stopped after " + std::to_string(tally.enqueued) +
               " new jobs (--stop-after); run again to go on\n";
    }
    r.exit_code = tally.bad.empty() && tally.unresolved.empty() ? kExitOk : kExitRefused;
  }
  return r;
}

}  // namespace patchq::ctl
