// FlagSet: command-line flags with environment-variable fallbacks, typed and validated at start.
// Precedence: --flag on the command line > environment variable > the default already held by
// the target variable. Secret flags never have their value printed (help shows "(set)" only).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result/result.hpp"

namespace patchq::config {

// "4MiB", "512k", "1G", "1048576" -> bytes. Binary units (k = KiB). The reason on failure.
Result<std::uint64_t> parse_bytes(std::string_view text);
// "30s", "500ms", "10m", "2h", "1.5s" -> milliseconds. A bare number means seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

enum class ParseStatus { ok, help, error };

struct ParseResult {
  ParseStatus status = ParseStatus::ok;
  std::string message;  // the usage text for help, the reason for error
  std::vector<std::string> positional;
};

// For a program's main, after parsing: help prints the usage on stdout (exit 0), an error
// prints its reason (which already names the program) on stderr (exit 2); nullopt means go on.
std::optional<int> exit_code_after_parse(ParseStatus status, const std::string& message);
inline std::optional<int> exit_code_after_parse(const ParseResult& result) {
  return exit_code_after_parse(result.status, result.message);
}

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  // `env` may be empty (no fallback). `help` is one line. Registering a name twice throws
  // std::logic_error (a programming error, found by the first test that builds the flags).
  FlagSet& add_string(std::string name, std::string* target, std::string env, std::string help,
                      bool secret = false);
  FlagSet& add_int(std::string name, std::int64_t* target, std::string env, std::string help,
                   std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
  // A string that must be one of `choices` (an error names them all).
  FlagSet& add_choice(std::string name, std::string* target, std::string env, std::string help,
                      std::vector<std::string> choices);
  FlagSet& add_bool(std::string name, bool* target, std::string env, std::string help);
  FlagSet& add_bytes(std::string name, std::uint64_t* target, std::string env, std::string help);
  FlagSet& add_duration(std::string name, std::chrono::milliseconds* target, std::string env,
                        std::string help);

  // Parses argv (argv[0] is skipped). Unknown flags are errors; bare words are positional.
  ParseResult parse(int argc, const char* const* argv);
  ParseResult parse(const std::vector<std::string>& args);

  std::string usage() const;

 private:
  struct Flag {
    std::string name;
    std::string env;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool secret = false;
    // Applies a textual value, or says why it cannot.
    std::function<Status(std::string_view)> apply;
  };
  Flag& add(std::string name, std::string env, std::string help, std::string default_text);
  const Flag* find(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
};

}  // namespace patchq::config
