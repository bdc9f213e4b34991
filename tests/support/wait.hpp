// Polling with a deadline: the way tests wait for a condition instead of sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace patchq::testing {

// Calls `condition` every `interval` until it returns true (-> true) or `timeout` passes
// (-> false, after one last check).
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

}  // namespace patchq::testing
