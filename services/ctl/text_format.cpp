// Time formatting for patchqctl's text output (see text_format.hpp).
#include "services/ctl/text_format.hpp"

#include <cstdio>
#include <ctime>

namespace patchq::ctl {

std::string iso_time_ms(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string span_ms(std::int64_t ms) {
  if (ms < 60000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ms) / 1000.0);
    return buf;
  }
  const std::int64_t minutes = ms / 60000;
  const std::int64_t d = minutes / 1440, h = (minutes / 60) % 24, m = minutes % 60;
  std::string out;
  if (d > 0) out += std::to_string(d) + "d";
  if (d > 0 || h > 0) out += std::to_string(h) + "h";
  out += std::to_string(m) + "m";
  return out;
}

}  // namespace patchq::ctl
