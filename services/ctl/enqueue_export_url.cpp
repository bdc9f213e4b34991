// presigned_expiry_ms (see enqueue_export_url.hpp).
#include "services/ctl/enqueue_export_url.hpp"

#include <charconv>
#include <ctime>
#include <map>
#include <string>

namespace patchq::ctl {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i] == '+' ? ' ' : text[i]);
  }
  return out;
}

// Query parameters with lower-case names and decoded values.
std::map<std::string, std::string> query_of(std::string_view url) {
  std::map<std::string, std::string> out;
  const auto fragment = url.find('#');
  if (fragment != std::string_view::npos) url = url.substr(0, fragment);
  const auto question = url.find('?');
  if (question == std::string_view::npos) return out;
  std::string_view query = url.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq));
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    out[name] = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
  }
  return out;
}

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Seconds since the epoch of a UTC time in one of the digit layouts below, where Y, M, D, h,
// m, s are digits and other characters must match as written.
std::optional<std::int64_t> utc_seconds(std::string_view text, std::string_view layout) {
  if (text.size() != layout.size()) return std::nullopt;
  int fields[6] = {0, 0, 0, 0, 0, 0};
  const std::string_view letters = "YMDhms";
  for (std::size_t i = 0; i < layout.size(); ++i) {
    const auto field = letters.find(layout[i]);
    if (field == std::string_view::npos) {
      if (text[i] != layout[i]) return std::nullopt;
      continue;
    }
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    fields[field] = fields[field] * 10 + (text[i] - '0');
  }
  std::tm tm{};
  tm.tm_year = fields[0] - 1900;
  tm.tm_mon = fields[1] - 1;
  tm.tm_mday = fields[2];
  tm.tm_hour = fields[3];
  tm.tm_min = fields[4];
  tm.tm_sec = fields[5];
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::optional<std::int64_t> signed_at_plus(const std::map<std::string, std::string>& q,
                                           const std::string& date, const std::string& expires) {
  const auto d = q.find(date);
  const auto e = q.find(expires);
  if (d == q.end() || e == q.end()) return std::nullopt;
  const auto start = utc_seconds(d->second, "YYYYMMDDThhmmssZ");
  const auto seconds = number(e->second);
  if (!start || !seconds) return std::nullopt;
  return (*start + *seconds) * 1000;
}

}  // namespace

std::optional<std::int64_t> presigned_expiry_ms(std::string_view url) {
  const auto q = query_of(url);
  if (q.empty()) return std::nullopt;
  if (auto t = signed_at_plus(q, "x-amz-date", "x-amz-expires")) return t;
  if (auto t = signed_at_plus(q, "x-goog-date", "x-goog-expires")) return t;
  if (auto se = q.find("se"); se != q.end() && q.count("sig") != 0) {
    for (std::string_view layout : {"YYYY-MM-DDThh:mm:ssZ", "YYYY-MM-DDThh:mmZ", "YYYY-MM-DD"}) {
      if (auto t = utc_seconds(se->second, layout)) return *t * 1000;
    }
  }
  if (auto e = q.find("expires"); e != q.end()) {
    if (auto t = number(e->second)) return *t * 1000;
  }
  return std::nullopt;
}

}  // namespace patchq::ctl
