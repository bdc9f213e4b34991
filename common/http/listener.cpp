// Listener: see listener.hpp.
#include "common/http/listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <stdexcept>

#include "common/obs/log.hpp"

namespace patchq::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(std::vector<asio::io_context*> loops,
                   std::shared_ptr<const SessionSettings> settings)
    : loops_(std::move(loops)),
      strand_(asio::make_strand(*loops_.front())),
      acceptor_(strand_),
      retry_timer_(strand_),
      settings_(std::move(settings)) {
  const auto& options = settings_->options;
  const std::string where = options.address + ":" + std::to_string(options.port);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + ": bad address: " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) ||
      acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
}

void Listener::run() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop() {
  asio::post(strand_, [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // Each connection gets its own strand, so its handlers never run concurrently, on the next
  // loop: a connection's handlers then never cross threads.
  asio::io_context& loop = *loops_[next_loop_++ % loops_.size()];
  acceptor_.async_accept(asio::make_strand(loop), boost::beast::bind_front_handler(
                                                      &Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: retrying at once would spin, so pause a little.
    obs::log_warn("http_accept_failed").field("reason", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  auto session = std::make_shared<Session>(std::move(socket), settings_);
  const std::uint64_t id = settings_->registry->add(session, settings_->options.max_connections);
  if (id == 0) {
    obs::log_debug("http_connection_refused").field("reason", "max_connections or draining");
    // The session was never started: its socket closes when it goes out of scope here.
  } else {
    session->run(id);
  }
  do_accept();
}

}  // namespace patchq::http
