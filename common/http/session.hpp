// Session: one HTTP/1.1 connection, its life one async chain read top to bottom:
//   run -> do_read -> on_first_bytes -> read_header -> on_header -> read_body -> on_body
//       -> handle -> (handler answers through a Responder) -> on_response -> do_write
//       -> on_write -> do_read again (keep-alive) or close
// Every error ends the chain in fail(), the one place that decides between an error answer
// (400/413/431) and a quiet close. Everything runs on the connection's strand; only
// deliver(), begin_shutdown() and force_close() may be called from other threads.
// Invariants: at most one request is in flight per connection (pipelined requests wait in the
// read buffer and are answered in order); the socket is closed exactly once, and that removes
// the session from the registry.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/http/connection_registry.hpp"
#include "common/http/message.hpp"
#include "common/http/server_options.hpp"

namespace patchq::http {

// What every session of one server shares; immutable once the server is built.
struct SessionSettings {
  ServerOptions options;
  Handler handler;
  RefusalObserver on_refusal;  // may be empty
  std::shared_ptr<ConnectionRegistry> registry;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<const SessionSettings> settings);
  ~Session();

  // Starts the chain; `id` is the session's key in the registry.
  void run(std::uint64_t id);
  // Thread-safe. Draining: an idle connection closes now; a request being read or handled is
  // still answered (with Connection: close), then the connection closes.
  void begin_shutdown();
  // Thread-safe. Closes the socket now, whatever is in flight.
  void force_close();
  // Thread-safe: used by the Responder. Ignored once the connection is closed.
  void deliver(Response res);
  // Thread-safe: every copy of the Responder was dropped without an answer.
  void abandon();

 private:
  enum class Phase { awaiting_request, reading, handling, writing, closing, closed };

  void do_read();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_header();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue_sent(boost::beast::error_code ec, std::size_t bytes);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t bytes);
  void handle();
  void on_response(Response res);
  void do_write(Response res);
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void fail(boost::beast::error_code ec, std::string_view where);
  void report_refusal(Refusal::Reason reason, unsigned status);

  // Answers with an error and closes, lingering so the client can read the answer.
  void reply_and_close(boost::beast::http::status status, std::string_view reason);
  void close_gracefully();  // half-close, discard input until EOF or linger_timeout, close
  void on_linger_read(boost::beast::error_code ec, std::size_t bytes);
  void reset();         // RST: close with SO_LINGER 0
  void close_socket();  // the one place the socket is closed

  boost::beast::tcp_stream stream_;
  std::shared_ptr<const SessionSettings> settings_;
  std::uint64_t id_ = 0;
  std::string peer_address_;  // the client's address, for current_peer_address()
  Phase phase_ = Phase::awaiting_request;
  bool first_request_ = true;
  bool draining_ = false;  // server shutdown: answer what is in flight, then close

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  unsigned request_version_ = 11;
  bool request_keep_alive_ = true;
  bool request_is_head_ = false;
  Response response_;
};

}  // namespace patchq::http
