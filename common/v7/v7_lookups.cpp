#include "common/v7/v7_lookups.hpp"

namespace patchq::v7 {
namespace {

std::string key_of(std::string_view team, std::string_view dataset) {
  std::string key(team);
  key += '/';
  key += dataset;
  return key;
}

}  // namespace

// One call under way: marks the flight running (the lock held), lets the call run unlocked,
// and on every way out (an exception too) ends the flight and wakes its waiters, so no waiter
// is left behind.
class V7Lookups::Landing {
 public:
  Landing(std::unique_lock<std::mutex>& lock, Flight& flight, std::condition_variable& landed,
          std::uint64_t& calls)
      : lock_(lock), flight_(flight), landed_(landed) {
    flight_.running = true;
    ++calls;
    lock_.unlock();
  }
  ~Landing() {
    if (!lock_.owns_lock()) lock_.lock();
    flight_.running = false;
    flight_.last_error = error_;
    ++flight_.finished;
    landed_.notify_all();
  }
  Landing(const Landing&) = delete;
  Landing& operator=(const Landing&) = delete;
  void relock() { lock_.lock(); }
  void ended_with(std::optional<V7Error> error) { error_ = std::move(error); }

 private:
  std::unique_lock<std::mutex>& lock_;
  Flight& flight_;
  std::condition_variable& landed_;
  std::optional<V7Error> error_ = V7Error::retryable_error("lookup failed");
};

V7Result<std::string> V7Lookups::token_team(const AskTeam& ask) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (team_) return *team_;
    if (!team_flight_.running) break;
    // Another lane is asking: its answer is ours.
    const std::uint64_t waited_for = team_flight_.finished;
    landed_.wait(lock, [&] { return team_flight_.finished != waited_for; });
    if (team_) return *team_;
    if (team_flight_.last_error) return *team_flight_.last_error;
  }
  V7Result<std::string> team = V7Error::retryable_error("token_info: no answer");
  {
    Landing landing(lock, team_flight_, landed_, calls_);
    team = ask();
    landing.relock();
    if (team) team_ = *team;
    landing.ended_with(team ? std::nullopt : std::optional<V7Error>(team.error()));
  }
  return team;
}

std::optional<std::string> V7Lookups::known_dataset(std::string_view team,
                                                    std::string_view dataset) const {
  std::lock_guard lock(mutex_);
  return known_locked(team, dataset);
}

std::optional<std::string> V7Lookups::known_locked(std::string_view team,
                                                   std::string_view dataset) const {
  // The API key selects the team, so the cache is keyed by team for clarity only.
  if (auto it = datasets_.find(key_of(team, dataset)); it != datasets_.end()) return it->second;
  return std::nullopt;
}

void V7Lookups::remember_locked(std::string_view team, const std::vector<DatasetRef>& datasets) {
  for (const auto& d : datasets) {
    datasets_[key_of(team, d.slug)] = d.slug;
    // A name never hides a slug: "b" named "a" does not shadow the dataset whose slug is "a".
    if (!d.name.empty()) datasets_.try_emplace(key_of(team, d.name), d.slug);
  }
}

V7Result<std::optional<std::string>> V7Lookups::list_and_find(std::string_view team,
                                                              std::string_view dataset,
                                                              const ListDatasets& list) {
  std::unique_lock lock(mutex_);
  if (list_flight_.running) {
    // A listing under way started no earlier than this miss would have: share its answer.
    const std::uint64_t waited_for = list_flight_.finished;
    landed_.wait(lock, [&] { return list_flight_.finished != waited_for; });
    if (auto known = known_locked(team, dataset)) return known;
    if (list_flight_.last_error) return *list_flight_.last_error;
    return std::optional<std::string>{};
  }
  V7Result<std::vector<DatasetRef>> listed = V7Error::retryable_error("datasets: no answer");
  {
    Landing landing(lock, list_flight_, landed_, calls_);
    listed = list();
    landing.relock();
    if (listed) remember_locked(team, *listed);
    landing.ended_with(listed ? std::nullopt : std::optional<V7Error>(listed.error()));
  }
  if (!listed) return listed.error();
  return known_locked(team, dataset);
}

V7Result<std::string> V7Lookups::dataset(std::string_view team, std::string_view dataset,
                                         const std::function<V7Result<std::string>()>& resolve) {
  if (auto known = known_dataset(team, dataset)) return *known;
  std::lock_guard resolving(resolving_);
  if (auto known = known_dataset(team, dataset)) return *known;
  return resolve();
}

void V7Lookups::remember_created(std::string_view team, std::string_view name,
                                 std::string_view slug) {
  std::lock_guard lock(mutex_);
  datasets_[key_of(team, name)] = std::string(slug);
  datasets_[key_of(team, slug)] = std::string(slug);
}

void V7Lookups::forget_dataset(std::string_view team, std::string_view slug) {
  std::lock_guard lock(mutex_);
  const std::string prefix = key_of(team, "");
  std::erase_if(datasets_, [&](const auto& entry) {
    return entry.second == slug && entry.first.starts_with(prefix);
  });
}

std::uint64_t V7Lookups::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

}  // namespace patchq::v7
