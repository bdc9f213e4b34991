// Listener: accepts connections and hands each to a new Session on its own strand, on the
// server's loops in turn (round robin), so each connection lives on one loop thread.
// Invariants: never more than max_connections sessions are open (one over is accepted and
// closed at once, so the client sees a close rather than a hanging connect); once stop() has
// run, no new session starts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <vector>

#include "common/http/session.hpp"

namespace patchq::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; throws std::runtime_error saying which address failed and why. The
  // acceptor runs on loops.front(); `loops` must outlive the listener.
  Listener(std::vector<boost::asio::io_context*> loops,
           std::shared_ptr<const SessionSettings> settings);

  unsigned short port() const { return port_; }
  void run();   // starts the accept loop
  void stop();  // thread-safe: closes the acceptor

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  std::vector<boost::asio::io_context*> loops_;
  std::size_t next_loop_ = 0;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // pause after accept errors such as EMFILE
  std::shared_ptr<const SessionSettings> settings_;
  unsigned short port_ = 0;
};

}  // namespace patchq::http
