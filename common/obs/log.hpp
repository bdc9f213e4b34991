// Structured logging: one JSON object per line on stderr, written with a single write(2) so
// lines from threads and forked processes never interleave.
// Usage: obs::log_info("job_done").field("job_id", id).field("tiles", 12);  // emitted at ';'
// Secrets must never be passed as fields; callers log their presence, not their value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json/json_writer.hpp"

namespace patchq::obs {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Process-wide settings, set once at start (before threads start).
void set_log_level(Level level);
bool parse_log_level(std::string_view text, Level* level);
// For a name a flag has already checked against log_level_names(); any other name means info.
void set_log_level_named(std::string_view name);
// The names parse_log_level accepts, for a flag's list of choices.
std::vector<std::string> log_level_names();
void set_log_service(std::string service);  // added as "service" to every line
// Redirects lines to a file descriptor other than stderr (tests capture logs this way).
void set_log_fd(int fd);

class LogLine {
 public:
  LogLine(Level level, std::string_view event);
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  ~LogLine();

  template <typename T>
  LogLine& field(std::string_view key, const T& value) {
    if (enabled_) writer_.field(key, value);
    return *this;
  }

 private:
  bool enabled_;
  json::JsonWriter writer_;
};

inline LogLine log_debug(std::string_view event) {
  return LogLine(Level::debug, event);
}
inline LogLine log_info(std::string_view event) {
  return LogLine(Level::info, event);
}
inline LogLine log_warn(std::string_view event) {
  return LogLine(Level::warn, event);
}
inline LogLine log_error(std::string_view event) {
  return LogLine(Level::error, event);
}

}  // namespace patchq::obs
