// Response helpers: see message.hpp.
#include "common/http/message.hpp"

#include <boost/beast/http/field.hpp>

#include "common/json/json_writer.hpp"

namespace patchq::http {

namespace bhttp = boost::beast::http;

Response make_response(const Request& req, bhttp::status status, std::string body,
                       std::string_view content_type) {
  Response res{status, req.version()};
  res.set(bhttp::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_error(const Request& req, bhttp::status status, std::string_view reason) {
  json::JsonWriter w;
  w.begin_object().field("error", reason).end_object();
  return make_response(req, status, w.take());
}

Response reset_connection() {
  Response res;
  res.result(0);
  return res;
}

bool is_reset_connection(const Response& res) {
  return res.result_int() == 0;
}

std::string_view refusal_name(Refusal::Reason reason) {
  switch (reason) {
    case Refusal::Reason::body_too_large:
      return "body_too_large";
    case Refusal::Reason::header_too_large:
      return "header_too_large";
    case Refusal::Reason::malformed:
      return "malformed_request";
    case Refusal::Reason::timed_out:
      return "client_timeout";
  }
  return "other";
}

}  // namespace patchq::http
