// SimRouter: the simulator's one Handler. For each request, in order:
//   /_sim/...                  -> ControlRoutes (never faulted, never counted)
//   V7 API or storage route    -> fault decision (latency, injected status or reset), then the
//                                 guard (API key: 401; rate limit: 429), then the route;
//                                 the final status is counted under the endpoint's name
//   anything else              -> 404, counted as "unmatched"
// An Authorization header arriving at a storage route is counted in
// storage_auth_headers_seen whatever happens next, so tests can prove a client never leaks
// its API key to storage. Delays run on a timer, never by blocking a loop thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "common/http/message.hpp"
#include "services/v7sim/api_routes.hpp"
#include "services/v7sim/control_routes.hpp"
#include "services/v7sim/faults.hpp"
#include "services/v7sim/import_routes.hpp"
#include "services/v7sim/key_rate_limiter.hpp"
#include "services/v7sim/sim_stats.hpp"
#include "services/v7sim/storage_routes.hpp"

namespace patchq::v7sim {

struct RouterSettings {
  std::string api_key;
  bool enforce_rate_limit = false;
};

class SimRouter {
 public:
  SimRouter(boost::asio::io_context& ioc, RouterSettings settings, ApiRoutes& api,
            ImportRoutes& imports, StorageRoutes& storage, ControlRoutes& control,
            FaultTable& faults, SimStats& stats);
  void handle(http::Request&& req, http::Responder respond);

 private:
  // The guard, then the route (no faults here).
  http::Response run_guarded(const RoutedCall& call, const http::Request& req,
                             const http::Target& target);

  boost::asio::io_context& ioc_;
  RouterSettings settings_;
  std::string api_key_digest_;  // sha256 of the configured key, compared in constant time
  ApiRoutes& api_;
  ImportRoutes& imports_;
  StorageRoutes& storage_;
  ControlRoutes& control_;
  FaultTable& faults_;
  SimStats& stats_;
  KeyRateLimiter rate_limiter_;
  // V7 limits read-only storage registration to 100 requests a minute, within the key's 1000.
  KeyRateLimiter registration_limiter_{100};
};

}  // namespace patchq::v7sim
