// send_webhook: a Beast client chain resolve -> connect -> write -> read; see the header.
#include "services/v7sim/webhook_sender.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

namespace patchq::v7sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct HttpUrl {
  std::string host;
  std::string port;
  std::string target;
};

std::optional<HttpUrl> parse_http_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return std::nullopt;
  const std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const bool colon_inside_brackets =
      !authority.empty() && authority.front() == '[' && authority.find(']') > colon;
  if (colon == std::string::npos || colon_inside_brackets) {
    out.host = authority;
    out.port = "80";
  } else {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty() || out.port.empty()) return std::nullopt;
  return out;
}

class WebhookCall : public std::enable_shared_from_this<WebhookCall> {
 public:
  WebhookCall(asio::io_context& ioc, std::function<void(WebhookResult)> done)
      : resolver_(ioc), stream_(ioc), done_(std::move(done)) {}

  void run(const HttpUrl& url, std::string payload, const std::string& authorization,
           std::chrono::milliseconds timeout) {
    request_ = {bhttp::verb::post, url.target, 11};
    request_.set(bhttp::field::host, url.host);
    request_.set(bhttp::field::user_agent, "patchq-v7sim-stage");
    request_.set(bhttp::field::content_type, "application/json");
    if (!authorization.empty()) request_.set(bhttp::field::authorization, authorization);
    request_.body() = std::move(payload);
    request_.prepare_payload();
    parser_.body_limit(1 << 20);
    deadline_ = std::chrono::steady_clock::now() + timeout;
    resolver_.async_resolve(
        url.host, url.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

 private:
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return finish(0, "resolve: " + ec.message());
    stream_.expires_at(deadline_);
    stream_.async_connect(results,
                          [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) {
                            self->on_connect(e);
                          });
  }
  void on_connect(beast::error_code ec) {
    if (ec) return finish(0, "connect: " + ec.message());
    bhttp::async_write(
        stream_, request_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }
  void on_write(beast::error_code ec) {
    if (ec) return finish(0, "write: " + ec.message());
    bhttp::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }
  void on_read(beast::error_code ec) {
    if (ec) return finish(0, "read: " + ec.message());
    finish(static_cast<int>(parser_.get().result_int()), "");
  }
  void finish(int status, std::string error) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    if (done_) std::exchange(done_, nullptr)(WebhookResult{status, std::move(error)});
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response_parser<bhttp::string_body> parser_;
  std::chrono::steady_clock::time_point deadline_;
  std::function<void(WebhookResult)> done_;
};

}  // namespace

void send_webhook(asio::io_context& ioc, const std::string& url, std::string payload,
                  const std::string& authorization, std::chrono::milliseconds timeout,
                  std::function<void(WebhookResult)> done) {
  const auto parsed = parse_http_url(url);
  if (!parsed) {
    asio::post(ioc, [done = std::move(done)] {
      done(WebhookResult{0, "only http://host[:port]/path URLs are supported"});
    });
    return;
  }
  std::make_shared<WebhookCall>(ioc, std::move(done))
      ->run(*parsed, std::move(payload), authorization, timeout);
}

}  // namespace patchq::v7sim
