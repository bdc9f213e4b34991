// V7Lookups: the answers of V7's lookup calls that a worker process reuses across its jobs,
// shared by every job lane's V7Client (thread-safe):
//   - the team the API key selects (GET /users/token_info), kept for the process;
//   - "<team>/<slug or name>" -> slug for every dataset seen in a listing or created, kept for
//     the process until forget_dataset() (e.g. V7 answered 404 for it: deleted meanwhile).
// Single-flight: concurrent misses wait for the one call already under way and share its
// answer (its error too), so N lanes missing together cost one call, not N. Errors are never
// cached: the next miss after a failed call asks again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/v7/api_messages.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

class V7Lookups {
 public:
  using AskTeam = std::function<V7Result<std::string>()>;
  using ListDatasets = std::function<V7Result<std::vector<DatasetRef>>()>;

  // The key's team: cached, or `ask` (called by one thread at a time, none while cached).
  V7Result<std::string> token_team(const AskTeam& ask);

  // The slug of `dataset` (a slug or a name) in `team`, if a listing or creation named it.
  std::optional<std::string> known_dataset(std::string_view team, std::string_view dataset) const;
  // The slug of `dataset` after a fresh listing (`list`, made by one thread for all concurrent
  // misses): nullopt when the listing does not have it.
  V7Result<std::optional<std::string>> list_and_find(std::string_view team,
                                                     std::string_view dataset,
                                                     const ListDatasets& list);
  // The slug of `dataset`: cached, or `resolve` (listing, creating) run by one lane at a time,
  // so lanes that miss together do not each create the dataset; those waiting find it cached.
  V7Result<std::string> dataset(std::string_view team, std::string_view dataset,
                                const std::function<V7Result<std::string>()>& resolve);
  void remember_created(std::string_view team, std::string_view name, std::string_view slug);
  // Drops every name that leads to `slug` in `team`: the next job looks it up again.
  void forget_dataset(std::string_view team, std::string_view slug);

  // Calls made through this cache (token_info and dataset listings), for tests and logs.
  std::uint64_t calls() const;

 private:
  struct Flight {
    bool running = false;
    std::uint64_t finished = 0;         // flights ended so far
    std::optional<V7Error> last_error;  // of the flight that ended last
  };
  class Landing;
  void remember_locked(std::string_view team, const std::vector<DatasetRef>& datasets);
  std::optional<std::string> known_locked(std::string_view team, std::string_view dataset) const;

  std::mutex resolving_;  // held while a lane resolves a missing dataset
  mutable std::mutex mutex_;
  std::condition_variable landed_;  // a flight ended
  std::optional<std::string> team_;
  Flight team_flight_;
  std::map<std::string, std::string, std::less<>> datasets_;
  Flight list_flight_;
  std::uint64_t calls_ = 0;
};

}  // namespace patchq::v7
