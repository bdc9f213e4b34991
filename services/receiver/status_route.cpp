// StatusRoute (see status_route.hpp).
#include "services/receiver/status_route.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "common/http/peer_address.hpp"
#include "common/http/target.hpp"
#include "common/json/json_writer.hpp"
#include "common/obs/log.hpp"
#include "common/queue/dead_letters.hpp"
#include "common/queue/job_queue.hpp"
#include "services/receiver/status_page.hpp"

namespace patchq::receiver {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view kDeadPrefix = "/api/dead/";
constexpr std::string_view kRetrySuffix = "/retry";
constexpr std::size_t kMaxJobIdBytes = 128;

// What a response built off the loop needs from the request: its version and keep-alive.
http::Request shell_of(const http::Request& request) {
  http::Request shell;
  shell.version(request.version());
  shell.keep_alive(request.keep_alive());
  return shell;
}

void harden(http::Response& res) {
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
}

http::Response html(const http::Request& request, bhttp::status status, std::string body) {
  auto res = http::make_response(request, status, std::move(body), "text/html; charset=utf-8");
  res.set("Content-Security-Policy", status_page_csp());
  harden(res);
  return res;
}

http::Response json(const http::Request& request, bhttp::status status, std::string body) {
  auto res = http::make_response(request, status, std::move(body));
  harden(res);
  return res;
}

http::Response json_error(const http::Request& request, bhttp::status status,
                          std::string_view reason) {
  auto res = http::json_error(request, status, reason);
  harden(res);
  return res;
}

http::Response see_status(const http::Request& request) {
  auto res = http::make_response(request, bhttp::status::see_other, "", "text/plain");
  res.set(bhttp::field::location, "/status");
  harden(res);
  return res;
}

// 429 for a client over the failed-token limit: the login form again (form posts), or JSON.
http::Response too_many_attempts(const http::Request& request, std::chrono::seconds wait,
                                 bool as_page) {
  const std::string seconds = std::to_string(wait.count());
  auto res = as_page ? html(request, bhttp::status::too_many_requests,
                            render_login_page("Too many wrong tokens from your address: try "
                                              "again in " +
                                              seconds + " s."))
                     : json_error(request, bhttp::status::too_many_requests,
                                  "too many wrong admin tokens from this address; retry after " +
                                      seconds + " s");
  res.set(bhttp::field::retry_after, seconds);
  return res;
}

bool is_form(const http::Request& request) {
  const auto it = request.find(bhttp::field::content_type);
  return it != request.end() &&
         std::string_view(it->value()).rfind("application/x-www-form-urlencoded", 0) == 0;
}

// A field of an application/x-www-form-urlencoded body.
std::string form_field(const http::Request& request, const std::string& name) {
  if (!is_form(request)) return {};
  const auto parsed = http::parse_target("/?" + request.body());
  if (!parsed) return {};
  const auto it = parsed->query.find(name);
  return it == parsed->query.end() ? std::string() : it->second;
}

}  // namespace

bool is_status_api_path(std::string_view path) {
  return path == "/api/stats" || path.rfind(kDeadPrefix, 0) == 0;
}

bool is_status_path(std::string_view path) {
  return path == "/status" || path == "/status/login" || path == "/status/logout" ||
         is_status_api_path(path);
}

StatusRoute::StatusRoute(AdminAuth auth, StatusService& service, LoginThrottle::Options throttle)
    : auth_(std::move(auth)), service_(service), throttle_(throttle) {}

void StatusRoute::count_failure(const std::string& client) {
  if (throttle_.record_failure(client, LoginThrottle::Clock::now())) {
    obs::log_warn("status_login_throttled")
        .field("client", client)
        .field("failures", throttle_.options().max_failures)
        .field("window_s", static_cast<std::int64_t>(throttle_.options().window.count()));
  }
}

void StatusRoute::handle(http::Request&& request, std::string_view path, http::Responder respond) {
  const bool post = request.method() == bhttp::verb::post;
  const bool get = request.method() == bhttp::verb::get;
  auto wrong_method = [&](const char* allow) {
    auto res = json_error(request, bhttp::status::method_not_allowed, "method not allowed");
    res.set(bhttp::field::allow, allow);
    respond(std::move(res));
  };

  const std::string client(http::current_peer_address());
  if (path == "/status/login") {
    if (!post) return wrong_method("POST");
    return login(request, client, std::move(respond));
  }
  if (path == "/status/logout") {
    if (!post) return wrong_method("POST");
    auto res = see_status(request);
    res.set(bhttp::field::set_cookie, AdminAuth::logout_cookie());
    return respond(std::move(res));
  }

  // A Bearer token is a guess like the login form's; the cookie (an HMAC) is not guessable.
  const auto authorization = request.find(bhttp::field::authorization);
  const bool presents_token = authorization != request.end() && !authorization->value().empty();
  if (presents_token) {
    if (const auto wait = throttle_.refused_for(client, LoginThrottle::Clock::now())) {
      return respond(too_many_attempts(request, *wait, false));
    }
  }
  const AdminAuth::Via via = auth_.check(request);
  if (presents_token) {
    if (via == AdminAuth::Via::header) {
      throttle_.record_success(client);
    } else {
      count_failure(client);
    }
  }
  if (path == "/status") {
    if (!get) return wrong_method("GET");
    if (via == AdminAuth::Via::none) {
      return respond(html(request, bhttp::status::unauthorized,
                          render_login_page("Sign in with the admin token.")));
    }
    return page(request, std::move(respond));
  }

  if (via == AdminAuth::Via::none) {
    auto res = json_error(request, bhttp::status::unauthorized, "admin token required");
    res.set(bhttp::field::www_authenticate, "Bearer realm=\"patchq admin\"");
    return respond(std::move(res));
  }
  if (path == "/api/stats") {
    if (!get) return wrong_method("GET");
    return stats(request, std::move(respond));
  }

  // /api/dead/<job_id>/retry and /api/dead/retry-all: actions.
  if (!post) return wrong_method("POST");
  const bool from_form = is_form(request);
  if (via == AdminAuth::Via::cookie) {
    std::string presented = form_field(request, "csrf");
    if (const auto it = request.find("X-CSRF-Token"); it != request.end()) {
      presented = std::string(it->value());
    }
    if (!auth_.csrf_matches(presented)) {
      return respond(json_error(request, bhttp::status::forbidden, "missing or wrong CSRF token"));
    }
  }
  const std::string_view rest = path.substr(kDeadPrefix.size());
  if (rest == "retry-all") return retry_all(request, from_form, std::move(respond));
  if (rest.size() > kRetrySuffix.size() &&
      rest.substr(rest.size() - kRetrySuffix.size()) == kRetrySuffix) {
    const std::string_view id = rest.substr(0, rest.size() - kRetrySuffix.size());
    if (id.size() <= kMaxJobIdBytes && id.find('/') == std::string_view::npos) {
      return retry(request, std::string(id), from_form, std::move(respond));
    }
  }
  respond(json_error(request, bhttp::status::not_found, "no such route"));
}

void StatusRoute::submit(const http::Request& request, http::Responder respond,
                         std::function<http::Response(StatusService::Backend&)> task) {
  const bool wants_html = std::string_view(request.target()).rfind("/status", 0) == 0;
  auto shell = std::make_shared<http::Request>(shell_of(request));
  auto respond_shared = std::make_shared<http::Responder>(respond);
  const bool accepted = service_.submit([shell, respond_shared, wants_html,
                                         task = std::move(task)](StatusService::Backend& backend) {
    try {
      (*respond_shared)(task(backend));
    } catch (const redis::ConnectionError& e) {
      obs::log_warn("status_redis_unreachable").field("error", e.what());
      (*respond_shared)(wants_html ? html(*shell, bhttp::status::service_unavailable,
                                          render_error_page("Redis is unreachable; retrying."))
                                   : json_error(*shell, bhttp::status::service_unavailable,
                                                "redis is unreachable"));
    } catch (const queue::QueueError& e) {
      obs::log_error("status_queue_error").field("error", e.what());
      (*respond_shared)(json_error(*shell, bhttp::status::internal_server_error, "queue error"));
    }
  });
  if (!accepted) {
    auto res = json_error(request, bhttp::status::service_unavailable, "status is busy");
    res.set(bhttp::field::retry_after, "1");
    respond(std::move(res));
  }
}

void StatusRoute::page(const http::Request& request, http::Responder respond) {
  const http::Request shell = shell_of(request);
  submit(request, std::move(respond),
         [shell, csrf = auth_.csrf_token()](StatusService::Backend& backend) {
           return html(shell, bhttp::status::ok, render_status_page(backend.snapshot(), csrf));
         });
}

void StatusRoute::login(const http::Request& request, const std::string& client,
                        http::Responder respond) {
  if (const auto wait = throttle_.refused_for(client, LoginThrottle::Clock::now())) {
    return respond(too_many_attempts(request, *wait, true));
  }
  if (!auth_.accepts_token(form_field(request, "token"))) {
    count_failure(client);
    return respond(
        html(request, bhttp::status::unauthorized, render_login_page("Wrong admin token.")));
  }
  throttle_.record_success(client);
  auto res = see_status(request);
  res.set(bhttp::field::set_cookie, auth_.login_cookie());
  respond(std::move(res));
}

void StatusRoute::stats(const http::Request& request, http::Responder respond) {
  const http::Request shell = shell_of(request);
  submit(request, std::move(respond), [shell](StatusService::Backend& backend) {
    return json(shell, bhttp::status::ok, queue::status_snapshot_json(backend.snapshot()));
  });
}

void StatusRoute::retry(const http::Request& request, std::string job_id, bool from_form,
                        http::Responder respond) {
  const http::Request shell = shell_of(request);
  submit(request, std::move(respond),
         [shell, job_id = std::move(job_id), from_form](StatusService::Backend& backend) {
           queue::DeadLetters dead(backend.client(), backend.keys());
           const queue::Revival revival = dead.revive(job_id);
           backend.invalidate();
           obs::log_info("status_dead_retry")
               .field("job_id", job_id)
               .field("revived", revival.result == queue::Revival::Result::revived);
           switch (revival.result) {
             case queue::Revival::Result::revived:
               break;
             case queue::Revival::Result::not_found:
               return json_error(shell, bhttp::status::not_found, "no such job");
             case queue::Revival::Result::not_dead:
               return json_error(shell, bhttp::status::conflict,
                                 "job is not dead (status " + revival.status + ")");
           }
           if (from_form) return see_status(shell);
           json::JsonWriter w;
           w.begin_object().field("job_id", job_id).field("requeued", true).end_object();
           return json(shell, bhttp::status::ok, w.take());
         });
}

void StatusRoute::retry_all(const http::Request& request, bool from_form, http::Responder respond) {
  const http::Request shell = shell_of(request);
  submit(request, std::move(respond), [shell, from_form](StatusService::Backend& backend) {
    queue::DeadLetters dead(backend.client(), backend.keys());
    const std::size_t n = dead.revive_all();
    backend.invalidate();
    obs::log_info("status_dead_retry_all").field("requeued", static_cast<std::uint64_t>(n));
    if (from_form) return see_status(shell);
    json::JsonWriter w;
    w.begin_object().field("requeued", static_cast<std::uint64_t>(n)).end_object();
    return json(shell, bhttp::status::ok, w.take());
  });
}

}  // namespace patchq::receiver
