// SimStats: see sim_stats.hpp.
#include "services/v7sim/sim_stats.hpp"

#include "common/json/json_writer.hpp"

namespace patchq::v7sim {

void SimStats::record(std::string_view endpoint, int status, std::chrono::microseconds handling) {
  std::lock_guard lock(mu_);
  ++total_;
  auto it = counts_.find(endpoint);
  if (it == counts_.end())
    it = counts_.emplace(std::string(endpoint), std::map<std::string, std::uint64_t>{}).first;
  ++it->second[status == 0 ? std::string("reset") : std::to_string(status)];
  handling_[std::string(endpoint)] += handling;
}

void SimStats::storage_auth_header_seen() {
  std::lock_guard lock(mu_);
  ++storage_auth_headers_;
}

std::string SimStats::to_json() const {
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_object().field("requests_total", total_).key("endpoints").begin_object();
  for (const auto& [endpoint, by_status] : counts_) {
    std::uint64_t total = 0;
    for (const auto& [status, n] : by_status) total += n;
    w.key(endpoint).begin_object().field("total", total).key("by_status").begin_object();
    for (const auto& [status, n] : by_status) w.field(status, n);
    const auto spent = handling_.find(endpoint);
    const auto us = spent == handling_.end() ? 0 : spent->second.count();
    w.end_object().field("handling_ms", static_cast<std::int64_t>(us / 1000)).end_object();
  }
  w.end_object().field("storage_auth_headers_seen", storage_auth_headers_).end_object();
  return w.take();
}

void SimStats::clear() {
  std::lock_guard lock(mu_);
  counts_.clear();
  handling_.clear();
  total_ = 0;
  storage_auth_headers_ = 0;
}

}  // namespace patchq::v7sim
