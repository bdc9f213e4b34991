// SimRouter: see sim_router.hpp for the order of checks.
#include "services/v7sim/sim_router.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <memory>

#include "common/codec/sha256.hpp"
#include "common/obs/log.hpp"
#include "services/v7sim/codec.hpp"
#include "services/v7sim/v7_responses.hpp"

namespace patchq::v7sim {

namespace {

constexpr std::string_view kApiKeyScheme = "ApiKey ";

// The key of "Authorization: ApiKey <key>", or empty.
std::string_view presented_key(const Request& req) {
  const auto value = req[bhttp::field::authorization];
  if (value.size() <= kApiKeyScheme.size() ||
      value.substr(0, kApiKeyScheme.size()) != kApiKeyScheme) {
    return {};
  }
  return std::string_view(value.data(), value.size()).substr(kApiKeyScheme.size());
}

Response injected(const Request& req, const FaultDecision& d) {
  Response res = v7_error(req, static_cast<bhttp::status>(d.status), "SIMULATED_FAULT",
                          "injected by the simulator");
  if (d.retry_after_s) res.set(bhttp::field::retry_after, std::to_string(*d.retry_after_s));
  return res;
}

}  // namespace

SimRouter::SimRouter(boost::asio::io_context& ioc, RouterSettings settings, ApiRoutes& api,
                     ImportRoutes& imports, StorageRoutes& storage, ControlRoutes& control,
                     FaultTable& faults, SimStats& stats)
    : ioc_(ioc),
      settings_(std::move(settings)),
      api_key_digest_(codec::sha256_hex(settings_.api_key)),
      api_(api),
      imports_(imports),
      storage_(storage),
      control_(control),
      faults_(faults),
      stats_(stats) {}

void SimRouter::handle(Request&& req, http::Responder respond) {
  const auto segments = path_segments(req.target());
  const auto target = http::parse_target(req.target());
  if (!segments || !target) {
    return respond(http::json_error(req, bhttp::status::bad_request, "malformed request target"));
  }
  if (!segments->empty() && segments->front() == "_sim") {
    if (auto answer = imports_.control(req, *segments)) return respond(std::move(*answer));
    return respond(control_.handle(req, *target, *segments));
  }
  auto call = api_.match(req.method(), *segments);
  if (!call) call = imports_.match(req.method(), *segments);
  if (!call) call = storage_.match(req.method(), *segments);
  if (!call) {
    stats_.record("unmatched", 404);
    return respond(v7_error(req, bhttp::status::not_found, "NOT_FOUND", "no such route"));
  }
  if (call->guard == RoutedCall::Guard::storage_token && req.count(bhttp::field::authorization)) {
    stats_.storage_auth_header_seen();
  }

  const FaultDecision decision = faults_.decide(call->endpoint);
  auto finish = [this, call = std::move(*call), decision, target = *target,
                 req = std::make_shared<Request>(std::move(req)), respond = std::move(respond)]() {
    if (decision.kind == FaultDecision::Kind::reset) {
      stats_.record(call.endpoint, 0);
      return respond(http::reset_connection());
    }
    const auto started = std::chrono::steady_clock::now();
    Response res = decision.kind == FaultDecision::Kind::status ? injected(*req, decision)
                                                                : run_guarded(call, *req, target);
    stats_.record(call.endpoint, static_cast<int>(res.result_int()),
                  std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started));
    respond(std::move(res));
  };
  if (decision.delay.count() <= 0) return finish();
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, decision.delay);
  timer->async_wait(
      [timer, finish = std::move(finish)](boost::system::error_code) mutable { finish(); });
}

Response SimRouter::run_guarded(const RoutedCall& call, const Request& req, const Target& target) {
  if (call.guard == RoutedCall::Guard::api_key) {
    const auto key = presented_key(req);
    // Digests have equal length, so the comparison time says nothing about the key.
    if (key.empty() || !equal_constant_time(codec::sha256_hex(key), api_key_digest_)) {
      return v7_error(req, bhttp::status::unauthorized, "UNAUTHORIZED",
                      "missing or invalid API key");
    }
    if (settings_.enforce_rate_limit) {
      if (const auto wait_s = rate_limiter_.admit(api_key_digest_)) {
        Response res = v7_error(req, bhttp::status::too_many_requests, "RATE_LIMITED",
                                "over 1000 requests per minute for this API key");
        res.set(bhttp::field::retry_after, std::to_string(*wait_s));
        return res;
      }
      if (call.endpoint == "register_existing_readonly") {
        if (const auto wait_s = registration_limiter_.admit(api_key_digest_)) {
          Response res =
              v7_error(req, bhttp::status::too_many_requests, "RATE_LIMITED",
                       "over 100 read-only storage registrations per minute for this API key");
          res.set(bhttp::field::retry_after, std::to_string(*wait_s));
          return res;
        }
      }
    }
  }
  try {
    return call.run(req, target);
  } catch (const std::exception& e) {  // disk failures: infrastructure, answer 500
    obs::log_error("v7sim_route_failed").field("endpoint", call.endpoint).field("what", e.what());
    return v7_error(req, bhttp::status::internal_server_error, "INTERNAL", "simulator failure");
  }
}

}  // namespace patchq::v7sim
