// LoginThrottle (see login_throttle.hpp).
#include "services/receiver/login_throttle.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace patchq::receiver {

LoginThrottle::LoginThrottle(Options options) : options_(options) {}

std::string LoginThrottle::client_key(std::string_view address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(std::string(address), ec);
  if (ec || !parsed.is_v6()) return std::string(address);
  auto bytes = parsed.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

std::optional<std::chrono::seconds> LoginThrottle::refused_for(std::string_view address,
                                                               Clock::time_point now) const {
  const std::string key = client_key(address);
  std::lock_guard lock(mutex_);
  const auto it = failures_.find(key);
  if (it == failures_.end() || it->second.count < options_.max_failures) return std::nullopt;
  const auto ends = it->second.first + options_.window;
  if (now >= ends) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::seconds>(ends - now);
  return std::max(left, std::chrono::seconds(1));
}

bool LoginThrottle::record_failure(std::string_view address, Clock::time_point now) {
  const std::string key = client_key(address);
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it != failures_.end() && now >= it->second.first + options_.window) {
    it->second = Failures{now, 0};  // the last window is over: a fresh count
  }
  if (it == failures_.end()) {
    make_room(now);
    it = failures_.emplace(key, Failures{now, 0}).first;
  }
  ++it->second.count;
  return it->second.count == options_.max_failures;
}

void LoginThrottle::record_success(std::string_view address) {
  const std::string key = client_key(address);
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

std::size_t LoginThrottle::tracked() const {
  std::lock_guard lock(mutex_);
  return failures_.size();
}

void LoginThrottle::make_room(Clock::time_point now) {
  if (failures_.size() < options_.max_addresses) return;
  std::erase_if(failures_,
                [&](const auto& entry) { return now >= entry.second.first + options_.window; });
  if (failures_.size() < options_.max_addresses || failures_.empty()) return;
  const auto oldest = std::min_element(
      failures_.begin(), failures_.end(),
      [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
  failures_.erase(oldest);
}

}  // namespace patchq::receiver
