#include "common/obs/log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace patchq::obs {
namespace {

Level g_level = Level::info;
std::string g_service;
int g_fd = STDERR_FILENO;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buf,
                static_cast<int>(ms.count() % 1000));
  return out;
}

}  // namespace

void set_log_level(Level level) {
  g_level = level;
}
void set_log_service(std::string service) {
  g_service = std::move(service);
}
void set_log_fd(int fd) {
  g_fd = fd;
}

bool parse_log_level(std::string_view text, Level* level) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (text == level_name(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void set_log_level_named(std::string_view name) {
  Level level = Level::info;
  parse_log_level(name, &level);
  set_log_level(level);
}

std::vector<std::string> log_level_names() {
  std::vector<std::string> names;
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    names.emplace_back(level_name(l));
  }
  return names;
}

LogLine::LogLine(Level level, std::string_view event) : enabled_(level >= g_level) {
  if (!enabled_) return;
  writer_.begin_object();
  writer_.field("ts", utc_timestamp());
  writer_.field("level", level_name(level));
  if (!g_service.empty()) writer_.field("service", g_service);
  writer_.field("event", event);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  writer_.end_object();
  std::string line = writer_.take();
  line.push_back('\n');
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(g_fd, data, left);
    if (n <= 0) break;  // logging must never throw or block the caller's outcome
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace patchq::obs
