// The error and success bodies of the simulated V7 API, in one place so every route answers
// the same way: errors are {"errors":{"code":"...","message":"..."}} (patchq's client reads
// errors.code), except the field errors V7 gives for datasets: {"errors":{"name":[...]}}.
#pragma once

#include <string>
#include <string_view>

#include "common/http/message.hpp"

namespace patchq::v7sim {

http::Response v7_error(const http::Request& req, boost::beast::http::status status,
                        std::string_view code, std::string_view message);
http::Response v7_field_error(const http::Request& req, std::string_view field,
                              std::string_view message);  // 422
http::Response json_ok(const http::Request& req, std::string body,
                       boost::beast::http::status status = boost::beast::http::status::ok);

}  // namespace patchq::v7sim
