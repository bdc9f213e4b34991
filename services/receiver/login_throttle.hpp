// LoginThrottle: failed admin-token attempts per client address, so that the status page's
// token cannot be guessed at network speed. An address that failed `max_failures` times within
// `window` of its first failure is refused until that window has passed, a right token
// included (else the refusal itself would tell a right guess from a wrong one). A success
// clears the address. IPv6 addresses count per /64, which one host usually holds whole.
// Memory is bounded: at most `max_addresses` are tracked; a new address finds room by dropping
// expired entries, else the entry whose window ends first. Thread-safe (every receiver loop
// thread shares one).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace patchq::receiver {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int max_failures = 10;
    std::chrono::seconds window{300};
    std::size_t max_addresses = 4096;
  };

  explicit LoginThrottle(Options options);
  LoginThrottle() : LoginThrottle(Options{}) {}

  // How long `address` must wait before its next attempt counts; nullopt: it may try now.
  // Never below one second (a Retry-After of 0 would invite a busy loop).
  std::optional<std::chrono::seconds> refused_for(std::string_view address,
                                                  Clock::time_point now) const;
  // Returns true when this failure is the one that blocks the address.
  bool record_failure(std::string_view address, Clock::time_point now);
  void record_success(std::string_view address);

  std::size_t tracked() const;
  const Options& options() const { return options_; }

 private:
  struct Failures {
    Clock::time_point first;
    int count = 0;
  };
  // "2001:db8:1:2::/64" for IPv6, the address itself otherwise.
  static std::string client_key(std::string_view address);
  void make_room(Clock::time_point now);

  Options options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Failures> failures_;
};

}  // namespace patchq::receiver
