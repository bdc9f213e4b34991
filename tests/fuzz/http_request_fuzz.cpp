// libFuzzer target: any bytes as what a client sends on one connection to the receiver: the
// real HTTP server (Beast parser, limits, keep-alive, pipelining) and the real routes, the
// webhook route included, over a loopback connection. Redis is a port that refuses, so an
// accepted webhook gets its 503 without any Redis state carried between inputs.
// Invariants (besides the sanitizers'): the server never hangs on a closed input, and whatever
// it answers starts with a well-formed HTTP response header with a status in 100..599.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/http/server.hpp"
#include "common/obs/log.hpp"
#include "services/receiver/job_writer.hpp"
#include "services/receiver/receiver_metrics.hpp"
#include "services/receiver/routes.hpp"
#include "services/receiver/webhook_route.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

// The receiver as main.cpp wires it, built once for the whole run.
class Receiver {
 public:
  Receiver()
      : refusing_redis_(bound_not_listening()),
        server_(
            server_options(),
            [this](patchq::http::Request&& req, patchq::http::Responder res) {
              routes_->handle(std::move(req), std::move(res));
            },
            [this](const patchq::http::Refusal& refusal) {
              metrics_.count_refusal(patchq::receiver::route_of_target(refusal.target), refusal);
            }),
        writer_(server_.loops(), writer_options(refusing_redis_.local_endpoint().port())),
        webhook_(webhook_options(), writer_, metrics_),
        routes_(std::make_unique<patchq::receiver::Routes>(webhook_, metrics_,
                                                           [this] { return writer_.ready(); })) {
    writer_.start();
    server_.start();
  }

  unsigned short port() const { return server_.port(); }

 private:
  static patchq::http::ServerOptions server_options() {
    patchq::http::ServerOptions o;
    o.max_body_bytes = 64 << 10;
    o.max_header_bytes = 8 << 10;
    o.header_timeout = 2s;
    o.body_timeout = 2s;
    o.idle_timeout = 2s;
    o.linger_timeout = 100ms;
    o.server_name = "patchq-receiver";
    return o;
  }
  static patchq::receiver::JobWriter::Options writer_options(unsigned short redis_port) {
    patchq::receiver::JobWriter::Options o;
    o.client.endpoint.port = redis_port;
    o.client.connect_timeout = 200ms;
    o.client.reconnect_backoff = {50ms, 500ms};
    return o;
  }
  static patchq::receiver::WebhookOptions webhook_options() {
    patchq::receiver::WebhookOptions o;
    o.token.emplace("fuzz-token");  // the seeds carry it, so the fuzzer gets past the check
    return o;
  }

  // A loopback port that is bound but never listens: every connect to it is refused at once.
  tcp::acceptor bound_not_listening() {
    tcp::acceptor socket(placeholder_io_);
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return socket;
  }

  asio::io_context placeholder_io_;
  tcp::acceptor refusing_redis_;
  patchq::receiver::ReceiverMetrics metrics_;
  patchq::http::HttpServer server_;
  patchq::receiver::JobWriter writer_;
  patchq::receiver::WebhookRoute webhook_;
  std::unique_ptr<patchq::receiver::Routes> routes_;
};

Receiver& receiver() {
  static Receiver* instance = [] {
    patchq::obs::set_log_level(patchq::obs::Level::error);
    return new Receiver();  // lives for the process: the server's threads outlive main's return
  }();
  return *instance;
}

// Sends `bytes`, half-closes, and reads the answer until the server closes. libFuzzer's timer
// signals can interrupt a blocking call (EINTR): a connect is tried again on a new socket, a
// write or read goes on where it stopped.
std::string exchange(std::string_view bytes) {
  asio::io_context io;
  tcp::socket socket(io);
  const tcp::endpoint receiver_at(asio::ip::address_v4::loopback(), receiver().port());
  boost::system::error_code ec;
  for (int attempt = 0; attempt < 10; ++attempt) {
    socket = tcp::socket(io);
    socket.connect(receiver_at, ec);
    if (ec != asio::error::interrupted) break;
  }
  if (ec) throw boost::system::system_error(ec, "connect to the receiver");
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    sent += socket.write_some(asio::buffer(bytes.data() + sent, bytes.size() - sent), ec);
    if (ec && ec != asio::error::interrupted) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  std::string answer;
  char chunk[4096];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    answer.append(chunk, n);
    if (ec == asio::error::interrupted) continue;
    if (ec) break;
  }
  return answer;
}

void check_answer(const std::string& answer) {
  if (answer.empty()) return;  // a quiet close (e.g. the input was cut inside a request)
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.eager(false);
  parser.skip(true);  // only the header is checked
  boost::beast::error_code ec;
  parser.put(asio::buffer(answer), ec);
  if (ec || !parser.is_header_done()) std::abort();
  const unsigned status = parser.get().result_int();
  if (status < 100 || status > 599) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_answer(exchange(std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
