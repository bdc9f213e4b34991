#include "tests/support/http_call.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace patchq::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

HttpReply http_call(const HttpCall& call) {
  HttpReply reply;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req;
  req.method_string(call.method);
  req.target(call.target);
  req.version(11);
  req.set(http::field::host, call.host);
  for (const auto& [k, v] : call.headers) req.set(k, v);
  req.body() = call.body;
  if (!call.body.empty() || call.method == "POST" || call.method == "PUT") req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ULL << 30);
  beast::error_code result;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(call.host),
                                         static_cast<unsigned short>(call.port));
  stream.expires_after(call.timeout);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      return;
    }
    http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) {
      if (ec2) {
        result = ec2;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code ec3, std::size_t) { result = ec3; });
    });
  });
  ioc.run();
  if (result) {
    reply.error = result.message();
    return reply;
  }
  auto& res = parser.get();
  reply.status = static_cast<int>(res.result_int());
  reply.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    reply.headers[name] = std::string(field.value());
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return reply;
}

}  // namespace patchq::testing
