// The status page's HTML (see status_page.hpp). Elements the tests read carry ids
// (count-queued, running, dead-letters, ...), so the page's layout can change freely.
#include "services/receiver/status_page.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/codec/base64.hpp"
#include "common/codec/sha256.hpp"
#include "common/http/target.hpp"

namespace patchq::receiver {
namespace {

constexpr std::string_view kCss = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:1.2em;color:#1d2330;background:#f6f7f9}
h1{font-size:1.3em;margin:0 0 .2em}h2{font-size:1.05em;margin:1.2em 0 .4em}
.muted{color:#6b7280}.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.5em .9em;min-width:7em}
.card .n{font-size:1.6em;font-weight:600}.card.bad .n{color:#b42318}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7;width:100%}
th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #eef0f3;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.err{max-width:40em;overflow-wrap:anywhere}
.charts{display:flex;flex-wrap:wrap;gap:1.2em}.chart{background:#fff;border:1px solid #dde1e7;
border-radius:6px;padding:.4em .7em}form{display:inline;margin:0}
button{font:inherit;padding:.1em .7em;cursor:pointer}
)css";

std::string number(std::int64_t n) {
  return std::to_string(n);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "4s", "3m12s", "2h5m", "3d4h".
std::string span(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t s = ms / 1000;
  if (s < 60) return number(s) + "s";
  if (s < 3600) return number(s / 60) + "m" + number(s % 60) + "s";
  if (s < 86400) return number(s / 3600) + "h" + number((s / 60) % 60) + "m";
  return number(s / 86400) + "d" + number((s / 3600) % 24) + "h";
}

std::string utc_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string head(std::string_view title, bool refresh) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  if (refresh) {
    out += "<meta http-equiv=\"refresh\" content=\"" + number(kStatusRefreshSeconds) + "\">";
  }
  out += "<title>" + html_escape(title) + "</title><style>" + std::string(kCss) +
         "</style></head><body>";
  return out;
}

std::string card(std::string_view id, std::string_view label, const std::string& value,
                 bool bad = false) {
  return std::string("<div class=\"card") + (bad ? " bad" : "") + "\"><div class=\"n\" id=\"" +
         std::string(id) + "\">" + value + "</div><div class=\"muted\">" + std::string(label) +
         "</div></div>";
}

// Bars, one a minute, oldest on the left; `values` are scaled to the tallest one.
std::string bar_chart(std::string_view id, std::string_view title,
                      const std::vector<std::int64_t>& values, std::string_view colour,
                      std::string_view unit) {
  constexpr int kWidth = 300, kHeight = 60, kGap = 2;
  const std::int64_t highest = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  const std::int64_t top = std::max<std::int64_t>(1, highest);
  const int n = static_cast<int>(values.size());
  const int bar = std::max(1, (kWidth - kGap * n) / std::max(1, n));
  std::string out = "<div class=\"chart\"><div>" + std::string(title) + "</div><svg id=\"" +
                    std::string(id) + "\" width=\"" + number(kWidth) + "\" height=\"" +
                    number(kHeight) + "\" viewBox=\"0 0 " + number(kWidth) + " " + number(kHeight) +
                    "\" role=\"img\">";
  for (int i = 0; i < n; ++i) {
    const std::int64_t v = values[static_cast<std::size_t>(i)];
    const int h = v == 0 ? 0 : std::max(1, static_cast<int>(v * (kHeight - 2) / top));
    out += "<rect x=\"" + number(i * (bar + kGap)) + "\" y=\"" + number(kHeight - h) +
           "\" width=\"" + number(bar) + "\" height=\"" + number(h) + "\" fill=\"" +
           std::string(colour) + "\"><title>" + number(n - 1 - i) + " min ago: " + number(v) + " " +
           std::string(unit) + "</title></rect>";
  }
  out += "<line x1=\"0\" y1=\"" + number(kHeight - 1) + "\" x2=\"" + number(kWidth) + "\" y2=\"" +
         number(kHeight - 1) + "\" stroke=\"#c4c9d2\"/></svg><div class=\"muted\">max " +
         number(highest) + " " + std::string(unit) + " a minute</div></div>";
  return out;
}

std::string hidden_csrf(std::string_view csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(csrf) + "\">";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') break;
        out += c;
    }
  }
  return out;
}

std::string render_status_page(const queue::StatusSnapshot& s, std::string_view csrf) {
  std::string out = head("patchq status", true);
  out += "<h1>patchq status</h1><div class=\"muted\" id=\"as-of\">as of " + utc_time(s.now_ms) +
         " (Redis clock), refreshing every " + number(kStatusRefreshSeconds) + " s</div>";

  const double rate = s.done_per_minute();
  const std::int64_t eta = s.backlog_eta_ms();
  out += "<h2>Queue</h2><div class=\"cards\">";
  out += card("count-queued", "queued", number(s.queue.queued));
  out += card("count-running", "running (pending)", number(s.queue.pending));
  out += card("count-retrying", "retrying", number(s.queue.retrying));
  out += card("count-dead", "dead", number(s.queue.dead), s.queue.dead > 0);
  out += card("count-done", "done", number(s.queue.done));
  out += card("count-lag", "lag (oldest waiting)", span(s.queue.lag_ms));
  out += card("rate-done", "done a minute", fixed(rate, 1));
  out += card("rate-failure", "failed outcomes, 15 min", fixed(s.failure_rate() * 100.0, 1) + "%",
              s.failure_rate() > 0.05);
  out += card("backlog-eta", "backlog ETA", eta < 0 ? "&#8734;" : span(eta));
  out += "</div>";

  std::vector<std::int64_t> done, failed, calls;
  for (const auto& m : s.minutes) {
    done.push_back(m.done);
    failed.push_back(m.failures());
    calls.push_back(m.v7_calls);
  }
  if (!s.minutes.empty()) {
    out += "<h2>Last " + number(static_cast<std::int64_t>(s.minutes.size())) +
           " minutes</h2><div class=\"charts\">";
    out += bar_chart("chart-done", "jobs done", done, "#2f855a", "jobs");
    out += bar_chart("chart-failed", "retried or dead", failed, "#b42318", "jobs");
    out += bar_chart("chart-v7", "V7 API calls", calls, "#3b5bdb", "calls");
    out += "</div>";
  }

  out += "<h2>V7 API budget</h2>";
  if (s.v7_buckets.empty()) {
    out += "<p class=\"muted\" id=\"v7-budget\">no V7 calls in the last 2 minutes</p>";
  } else {
    out +=
        "<table id=\"v7-budget\"><tr><th>bucket</th><th>tokens free</th><th>burst</th>"
        "<th>rate a minute</th><th>calls last minute</th><th>last used</th></tr>";
    const std::int64_t last_minute =
        s.minutes.size() >= 2 ? s.minutes[s.minutes.size() - 2].v7_calls : 0;
    for (const auto& b : s.v7_buckets) {
      const bool main_bucket = b.key.find(":v7rate:") != std::string::npos;
      out += "<tr><td>" + html_escape(b.key) + "</td><td>" + fixed(b.tokens, 1) + "</td><td>" +
             number(b.burst) + "</td><td>" + number(b.rate_per_minute) + "</td><td>" +
             (main_bucket ? number(last_minute) : std::string("&ndash;")) + "</td><td>" +
             span(s.now_ms - b.last_used_ms) + " ago</td></tr>";
    }
    out += "</table>";
  }

  out += "<h2>Running jobs</h2>";
  if (s.running.empty()) {
    out += "<p class=\"muted\" id=\"running\">none</p>";
  } else {
    out +=
        "<table id=\"running\"><tr><th>worker</th><th>job</th><th>item</th><th>target</th>"
        "<th>since</th><th>lease renewed</th><th>deliveries</th></tr>";
    for (const auto& r : s.running) {
      out += "<tr><td>" + html_escape(r.consumer) + "</td><td>" + html_escape(r.job_id) +
             "</td><td class=\"item\">" + html_escape(r.item_id) + "</td><td>" +
             html_escape(r.target) + "</td><td>" +
             (r.since_ms > 0 ? span(s.now_ms - r.since_ms) + " ago" : std::string("&ndash;")) +
             "</td><td>" + span(r.idle_ms) + " ago</td><td>" + number(r.deliveries) + "</td></tr>";
    }
    out += "</table>";
  }

  out += "<h2>Dead letters</h2>";
  if (s.recent_dead.empty()) {
    out += "<p class=\"muted\" id=\"dead-letters\">none</p>";
  } else {
    out += "<form method=\"post\" action=\"/api/dead/retry-all\">" + hidden_csrf(csrf) +
           "<button type=\"submit\" id=\"retry-all\">retry all " + number(s.queue.dead) +
           "</button></form> <span class=\"muted\">newest " +
           number(static_cast<std::int64_t>(s.recent_dead.size())) + " shown</span>";
    out +=
        "<table id=\"dead-letters\"><tr><th>dead since</th><th>job</th><th>item</th>"
        "<th>target</th><th>reason</th><th>attempts</th><th>error</th><th></th></tr>";
    for (const auto& d : s.recent_dead) {
      out += "<tr><td>" + span(s.now_ms - d.dead_at_ms) + " ago</td><td class=\"job\">" +
             html_escape(d.job_id) + "</td><td class=\"item\">" + html_escape(d.item_id) +
             "</td><td>" + html_escape(d.target) + "</td><td>" + html_escape(d.reason) +
             "</td><td>" + number(d.attempts) + "</td><td class=\"err\">" + html_escape(d.error) +
             "</td><td><form method=\"post\" action=\"/api/dead/" +
             html_escape(http::percent_encode(d.job_id)) + "/retry\">" + hidden_csrf(csrf) +
             "<button type=\"submit\" class=\"retry\" data-job=\"" + html_escape(d.job_id) +
             "\">retry</button></form></td></tr>";
    }
    out += "</table>";
  }

  out += "<h2>Workers seen recently</h2>";
  if (s.workers.empty()) {
    out += "<p class=\"muted\" id=\"workers\">none in the last 2 minutes</p>";
  } else {
    out += "<table id=\"workers\"><tr><th>worker</th><th>holding</th><th>last seen</th></tr>";
    for (const auto& w : s.workers) {
      out += "<tr><td>" + html_escape(w.consumer) + "</td><td>" + number(w.pending) + "</td><td>" +
             span(w.idle_ms) + " ago</td></tr>";
    }
    out += "</table>";
  }
  out += "<p class=\"muted\">JSON: <code>GET /api/stats</code></p></body></html>\n";
  return out;
}

std::string render_login_page(std::string_view message) {
  std::string out = head("patchq status: sign in", false);
  out += "<h1>patchq status</h1>";
  if (!message.empty()) out += "<p id=\"message\">" + html_escape(message) + "</p>";
  out +=
      "<form method=\"post\" action=\"/status/login\"><label>Admin token "
      "<input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\"></label> "
      "<button type=\"submit\" id=\"login\">sign in</button></form></body></html>\n";
  return out;
}

std::string render_error_page(std::string_view message) {
  std::string out = head("patchq status: unavailable", true);
  out += "<h1>patchq status</h1><p id=\"message\">" + html_escape(message) + "</p></body></html>\n";
  return out;
}

const std::string& status_page_csp() {
  static const std::string csp = [] {
    const auto digest = codec::sha256({kCss});
    const std::string hash = codec::base64_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    return "default-src 'none'; style-src 'sha256-" + hash +
           "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
           "base-uri 'none'";
  }();
  return csp;
}

}  // namespace patchq::receiver
