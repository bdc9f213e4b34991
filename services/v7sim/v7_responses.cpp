// V7-shaped response bodies: see v7_responses.hpp.
#include "services/v7sim/v7_responses.hpp"

#include "common/json/json_writer.hpp"

namespace patchq::v7sim {

namespace bhttp = boost::beast::http;

http::Response v7_error(const http::Request& req, bhttp::status status, std::string_view code,
                        std::string_view message) {
  json::JsonWriter w;
  w.begin_object().key("errors").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  return http::make_response(req, status, w.take());
}

http::Response v7_field_error(const http::Request& req, std::string_view field,
                              std::string_view message) {
  json::JsonWriter w;
  w.begin_object().key("errors").begin_object();
  w.key(field).begin_array().value(message).end_array();
  w.end_object().end_object();
  return http::make_response(req, bhttp::status::unprocessable_entity, w.take());
}

http::Response json_ok(const http::Request& req, std::string body, bhttp::status status) {
  return http::make_response(req, status, std::move(body));
}

}  // namespace patchq::v7sim
