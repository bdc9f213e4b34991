#include "services/worker/readiness.hpp"

#include <map>
#include <mutex>

namespace patchq::worker {
namespace {

std::mutex& readiness_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::map<std::string, std::string, std::less<>>& reasons() {
  static std::map<std::string, std::string, std::less<>> map;
  return map;
}

}  // namespace

void set_not_ready(std::string_view component, std::string reason) {
  std::lock_guard lock(readiness_mutex());
  reasons()[std::string(component)] = std::move(reason);
}

void set_ready(std::string_view component) {
  std::lock_guard lock(readiness_mutex());
  if (auto it = reasons().find(component); it != reasons().end()) reasons().erase(it);
}

std::vector<std::string> not_ready_reasons() {
  std::lock_guard lock(readiness_mutex());
  std::vector<std::string> out;
  for (const auto& [component, reason] : reasons()) out.push_back(component + ": " + reason);
  return out;
}

}  // namespace patchq::worker
