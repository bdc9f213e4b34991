// StatusRoute: the admin side of the receiver, on only when --admin-token is set:
//   GET  /status                    the status page (HTML; 401 with a sign-in form without auth)
//   POST /status/login              form field token=<admin token>: sets the session cookie
//   POST /status/logout             clears it
//   GET  /api/stats                 the status snapshot as JSON
//   POST /api/dead/<job_id>/retry   a dead job back to the queue (fresh attempts)
//   POST /api/dead/retry-all        every dead job back to the queue
// Auth: "Authorization: Bearer <admin token>", or the session cookie; a POST authenticated by
// the cookie must carry the CSRF token (form field csrf, or header X-CSRF-Token). A form POST
// is answered with 303 to /status, any other with JSON.
// Guessing: wrong tokens (login form or Bearer header) are counted per client address
// (http::current_peer_address, read when handle() is called); an address over the limit gets
// 429 with Retry-After for every token it presents until its window ends (login_throttle.hpp).
// Redis work runs on the StatusService's thread; Redis unreachable answers 503.
#pragma once

#include <string_view>

#include "common/http/message.hpp"
#include "services/receiver/login_throttle.hpp"
#include "services/receiver/status_auth.hpp"
#include "services/receiver/status_service.hpp"

namespace patchq::receiver {

// True for the paths StatusRoute answers (the page, its login, and /api/...).
bool is_status_path(std::string_view path);
bool is_status_api_path(std::string_view path);

class StatusRoute {
 public:
  StatusRoute(AdminAuth auth, StatusService& service, LoginThrottle::Options throttle = {});

  // `path` is the request's decoded path (is_status_path(path) holds).
  void handle(http::Request&& request, std::string_view path, http::Responder respond);

 private:
  void page(const http::Request& request, http::Responder respond);
  void login(const http::Request& request, const std::string& client, http::Responder respond);
  // Counts a wrong token from `client` (and logs the moment it gets blocked).
  void count_failure(const std::string& client);
  void stats(const http::Request& request, http::Responder respond);
  void retry(const http::Request& request, std::string job_id, bool from_form,
             http::Responder respond);
  void retry_all(const http::Request& request, bool from_form, http::Responder respond);
  // Runs `task` on the service, or answers 503 when too many wait.
  void submit(const http::Request& request, http::Responder respond,
              std::function<http::Response(StatusService::Backend&)> task);

  AdminAuth auth_;
  StatusService& service_;
  LoginThrottle throttle_;
};

}  // namespace patchq::receiver
