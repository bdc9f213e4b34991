// send_webhook: one outbound HTTP POST of a JSON payload, as a V7 webhook stage makes it.
// Plain http:// only (the simulator is test infrastructure on loopback); the whole exchange
// (resolve, connect, write, read) is bounded by one timeout; the answer body is capped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace patchq::v7sim {

struct WebhookResult {
  int status = 0;     // 0 when no HTTP answer came (refused, reset, timeout, bad URL)
  std::string error;  // why, when status == 0
};

// Calls `done` exactly once, on `ioc`. `authorization` is sent as the Authorization header
// when not empty.
void send_webhook(boost::asio::io_context& ioc, const std::string& url, std::string payload,
                  const std::string& authorization, std::chrono::milliseconds timeout,
                  std::function<void(WebhookResult)> done);

}  // namespace patchq::v7sim
