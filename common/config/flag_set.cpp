#include "common/config/flag_set.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace patchq::config {
namespace {

std::string format_duration(std::chrono::milliseconds ms) {
  const auto v = ms.count();
  if (v % 3600000 == 0 && v != 0) return std::to_string(v / 3600000) + "h";
  if (v % 60000 == 0 && v != 0) return std::to_string(v / 60000) + "m";
  if (v % 1000 == 0) return std::to_string(v / 1000) + "s";
  return std::to_string(v) + "ms";
}

std::string format_bytes(std::uint64_t b) {
  const char* units[] = {"GiB", "MiB", "KiB"};
  const std::uint64_t sizes[] = {1ULL << 30, 1ULL << 20, 1ULL << 10};
  for (int i = 0; i < 3; ++i) {
    if (b != 0 && b % sizes[i] == 0) return std::to_string(b / sizes[i]) + units[i];
  }
  return std::to_string(b);
}

// Splits "12.5ms" into number and unit; false when the number part is missing or malformed.
bool split_number_unit(std::string_view text, double* number, std::string_view* unit) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return false;
  const std::string digits(text.substr(0, i));
  char* end = nullptr;
  errno = 0;
  *number = std::strtod(digits.c_str(), &end);
  if (errno != 0 || end != digits.c_str() + digits.size() || !std::isfinite(*number)) return false;
  *unit = text.substr(i);
  while (!unit->empty() && unit->front() == ' ') unit->remove_prefix(1);
  return true;
}

}  // namespace

Result<std::uint64_t> parse_bytes(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number_unit(text, &number, &unit)) {
    return fail("expected a size such as 4MiB, got '" + std::string(text) + "'");
  }
  double scale = 0;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "KB") {
    scale = 1024.0;
  } else if (unit == "M" || unit == "MiB" || unit == "MB") {
    scale = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GiB" || unit == "GB") {
    scale = 1024.0 * 1024 * 1024;
  } else {
    return fail("unknown size unit '" + std::string(unit) + "' (use B, KiB, MiB or GiB)");
  }
  const double bytes = number * scale;
  if (bytes >= 9.0e18) {
    return fail("size too large: '" + std::string(text) + "'");
  }
  return static_cast<std::uint64_t>(bytes);
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number_unit(text, &number, &unit)) {
    return fail("expected a duration such as 30s or 500ms, got '" + std::string(text) + "'");
  }
  double ms_per_unit = 0;
  if (unit == "ms") {
    ms_per_unit = 1;
  } else if (unit.empty() || unit == "s") {
    ms_per_unit = 1000;
  } else if (unit == "m" || unit == "min") {
    ms_per_unit = 60000;
  } else if (unit == "h") {
    ms_per_unit = 3600000;
  } else {
    return fail("unknown duration unit '" + std::string(unit) + "' (use ms, s, m or h)");
  }
  const double ms = number * ms_per_unit;
  if (ms > 1.0e15) {
    return fail("duration too large: '" + std::string(text) + "'");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::optional<int> exit_code_after_parse(ParseStatus status, const std::string& message) {
  switch (status) {
    case ParseStatus::ok:
      return std::nullopt;
    case ParseStatus::help:
      std::fputs(message.c_str(), stdout);
      return 0;
    case ParseStatus::error:
      std::fprintf(stderr, "%s\n", message.c_str());
      return 2;
  }
  return std::nullopt;
}

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

FlagSet::Flag& FlagSet::add(std::string name, std::string env, std::string help,
                            std::string default_text) {
  // Two parts of a program registering one name would silently share a value: refuse it.
  if (find(name) != nullptr) throw std::logic_error("flag --" + name + " registered twice");
  Flag flag;
  flag.name = std::move(name);
  flag.env = std::move(env);
  flag.help = std::move(help);
  flag.default_text = std::move(default_text);
  flags_.push_back(std::move(flag));
  return flags_.back();
}

FlagSet& FlagSet::add_string(std::string name, std::string* target, std::string env,
                             std::string help, bool secret) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), secret ? "" : *target);
  f.secret = secret;
  f.apply = [target](std::string_view v) -> Status {
    *target = std::string(v);
    return ok_status();
  };
  return *this;
}

FlagSet& FlagSet::add_choice(std::string name, std::string* target, std::string env,
                             std::string help, std::vector<std::string> choices) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), *target);
  f.apply = [target, choices = std::move(choices)](std::string_view v) -> Status {
    for (const auto& choice : choices) {
      if (v == choice) {
        *target = choice;
        return ok_status();
      }
    }
    std::string names;
    for (const auto& choice : choices) names += (names.empty() ? "" : ", ") + choice;
    return fail("expected one of " + names + ", got '" + std::string(v) + "'");
  };
  return *this;
}

FlagSet& FlagSet::add_int(std::string name, std::int64_t* target, std::string env, std::string help,
                          std::int64_t min, std::int64_t max) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), std::to_string(*target));
  f.apply = [target, min, max](std::string_view v) -> Status {
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return fail("expected an integer, got '" + std::string(v) + "'");
    }
    if (parsed < min || parsed > max) {
      return fail("must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", got " + std::string(v));
    }
    *target = parsed;
    return ok_status();
  };
  return *this;
}

FlagSet& FlagSet::add_bool(std::string name, bool* target, std::string env, std::string help) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), *target ? "true" : "false");
  f.is_bool = true;
  f.apply = [target](std::string_view v) -> Status {
    if (v == "1" || v == "true" || v == "yes" || v == "on") {
      *target = true;
    } else if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) {
      *target = false;
    } else {
      return fail("expected true or false, got '" + std::string(v) + "'");
    }
    return ok_status();
  };
  return *this;
}

FlagSet& FlagSet::add_bytes(std::string name, std::uint64_t* target, std::string env,
                            std::string help) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), format_bytes(*target));
  f.apply = [target](std::string_view v) -> Status {
    auto parsed = parse_bytes(v);
    if (!parsed) return parsed.error();
    *target = *parsed;
    return ok_status();
  };
  return *this;
}

FlagSet& FlagSet::add_duration(std::string name, std::chrono::milliseconds* target, std::string env,
                               std::string help) {
  Flag& f = add(std::move(name), std::move(env), std::move(help), format_duration(*target));
  f.apply = [target](std::string_view v) -> Status {
    auto parsed = parse_duration(v);
    if (!parsed) return parsed.error();
    *target = *parsed;
    return ok_status();
  };
  return *this;
}

const FlagSet::Flag* FlagSet::find(std::string_view name) const {
  for (const auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

ParseResult FlagSet::parse(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse(args);
}

ParseResult FlagSet::parse(const std::vector<std::string>& args) {
  ParseResult result;
  auto fail = [&](std::string message) {
    result.status = ParseStatus::error;
    result.message = program_ + ": " + std::move(message) + " (see --help)";
    return result;
  };

  // Environment first, so that the command line overrides it.
  for (const auto& f : flags_) {
    if (f.env.empty()) continue;
    const char* value = std::getenv(f.env.c_str());
    if (value == nullptr) continue;
    if (const Status applied = f.apply(value); !applied) {
      return fail("environment variable " + f.env + ": " + applied.error().reason);
    }
  }

  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 2 || arg.rfind("--", 0) != 0) {
      result.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      result.status = ParseStatus::help;
      result.message = usage();
      return result;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const Flag* flag = find(name);
    bool negated = false;
    if (flag == nullptr && name.rfind("no-", 0) == 0) {
      flag = find(name.substr(3));
      negated = flag != nullptr && flag->is_bool && !value;
      if (!negated) flag = nullptr;
    }
    if (flag == nullptr) return fail("unknown flag --" + name);
    if (!value) {
      if (flag->is_bool) {
        value = negated ? "false" : "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return fail("--" + name + " needs a value");
      }
    }
    if (const Status applied = flag->apply(*value); !applied) {
      return fail("--" + name + ": " + applied.error().reason);
    }
  }
  return result;
}

std::string FlagSet::usage() const {
  std::string out = "Usage: " + program_ + " [flags]\n" + summary_ + "\n\nFlags:\n";
  for (const auto& f : flags_) {
    out += "  --" + f.name;
    if (!f.is_bool) out += " VALUE";
    out += "\n      " + f.help;
    if (f.secret) {
      out += " (secret; value never printed)";
    } else if (!f.default_text.empty()) {
      out += " (default: " + f.default_text + ")";
    }
    if (!f.env.empty()) out += " [env " + f.env + "]";
    out += "\n";
  }
  out += "  --help\n      Show this text.\n";
  return out;
}

}  // namespace patchq::config
