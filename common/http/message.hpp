// HTTP message types shared by every patchq server, and the helpers every route uses to answer.
// Invariants: a Response built by make_response/json_error carries the request's HTTP version,
// its keep-alive wish, a Content-Type and a correct Content-Length; the session may still turn
// keep-alive off (shutdown, errors). A Response whose status is 0 (see reset_connection) is
// never written: it tells the session to drop the connection without answering.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace patchq::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// Call exactly once, from any thread; the server posts the write back onto the connection's
// strand. If the connection is already gone (closed, force-closed, or the server destroyed),
// the call is a harmless no-op; later calls are ignored. Dropping every copy without calling
// it is a handler bug: the client gets 500 {"error":"handler gave no answer"}.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

Response make_response(const Request& req, boost::beast::http::status status, std::string body,
                       std::string_view content_type = "application/json");

// {"error":"<reason>"} with the given status.
Response json_error(const Request& req, boost::beast::http::status status, std::string_view reason);

// A request the server itself refused before (or instead of) calling the handler, for the
// service's metrics: 413/431/400 answers, and connections cut by the header/body timeout in
// the middle of a request (idle keep-alive closes are not refusals).
struct Refusal {
  enum class Reason { body_too_large, header_too_large, malformed, timed_out };
  Reason reason;
  unsigned status;          // the answer sent, 0 when the connection was closed without one
  std::string_view target;  // the request target when its request line was read, else empty
};
inline constexpr std::size_t kRefusalReasons =
    static_cast<std::size_t>(Refusal::Reason::timed_out) + 1;  // the last reason, plus one
std::string_view refusal_name(Refusal::Reason reason);
// Called on the connection's loop thread; must be cheap and must not throw.
using RefusalObserver = std::function<void(const Refusal&)>;

// A Response that is not sent: the session closes the socket at once with a TCP reset
// (SO_LINGER 0), as a crashed peer or a dropping load balancer would. Fault injection uses it.
Response reset_connection();
bool is_reset_connection(const Response& res);

}  // namespace patchq::http
