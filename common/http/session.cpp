// Session: one connection's async chain; see session.hpp for the order and the invariants.
#include "common/http/session.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

#include "common/http/peer_address.hpp"
#include "common/obs/log.hpp"

namespace patchq::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

const boost::system::error_category& http_error_category() {
  static const auto& category = bhttp::make_error_code(bhttp::error::bad_target).category();
  return category;
}

// Shared by every copy of one request's Responder: the first call wins, later ones are
// ignored, and dropping all copies unanswered tells the session.
class ResponderState {
 public:
  explicit ResponderState(std::weak_ptr<Session> session) : session_(std::move(session)) {}
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;
  ~ResponderState() {
    if (answered_.load()) return;
    if (auto session = session_.lock()) session->abandon();
  }
  void answer(Response res) {
    if (answered_.exchange(true)) {
      obs::log_debug("http_responder_called_twice");
      return;
    }
    if (auto session = session_.lock()) session->deliver(std::move(res));
  }

 private:
  std::weak_ptr<Session> session_;
  std::atomic<bool> answered_{false};
};

}  // namespace

Session::Session(asio::ip::tcp::socket&& socket, std::shared_ptr<const SessionSettings> settings)
    : stream_(std::move(socket)), settings_(std::move(settings)) {}

Session::~Session() = default;

void Session::run(std::uint64_t id) {
  id_ = id;
  beast::error_code ignored;
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  const auto peer = stream_.socket().remote_endpoint(ignored);
  if (!ignored) {
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: name them as IPv4.
    const auto address = peer.address();
    peer_address_ =
        address.is_v6() && address.to_v6().is_v4_mapped()
            ? asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string()
            : address.to_string();
  }
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void Session::begin_shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    // Nothing of a request has arrived: nobody waits for an answer here.
    if (self->phase_ == Phase::awaiting_request) self->close_socket();
  });
}

void Session::force_close() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_socket(); });
}

void Session::deliver(Response res) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
    self->on_response(std::move(res));
  });
}

void Session::abandon() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ != Phase::handling) return;
    obs::log_warn("http_handler_dropped_responder");
    self->reply_and_close(bhttp::status::internal_server_error, "handler gave no answer");
  });
}

// --- the chain, in order ---------------------------------------------------------------------

void Session::do_read() {
  const auto& options = settings_->options;
  parser_.emplace();
  parser_->header_limit(options.max_header_bytes);
  parser_->body_limit(options.max_body_bytes);
  if (buffer_.size() > 0) {  // a pipelined request is already here: it is answered even when
    stream_.expires_after(options.header_timeout);  // draining, as the client waits for it
    return read_header();
  }
  if (draining_) return close_socket();  // nothing in flight, nobody waits for an answer
  phase_ = Phase::awaiting_request;
  // A new connection must deliver its whole first header within header_timeout; a kept-alive
  // one may idle for idle_timeout before the next request starts.
  stream_.expires_after(first_request_ ? options.header_timeout : options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  // A read that completed just before shutdown closed the socket is still queued: a request
  // started now could be stored by a route yet never answered, so it is not started.
  if (phase_ == Phase::closed) return;
  if (ec) return fail(ec, "idle");
  buffer_.commit(bytes);
  if (!first_request_) stream_.expires_after(settings_->options.header_timeout);
  read_header();
}

void Session::read_header() {
  phase_ = Phase::reading;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t) {
  // An oversize Content-Length fails here with body_limit, before any body byte is read.
  if (ec) return fail(ec, "header");
  const auto& req = parser_->get();
  request_version_ = req.version();
  request_keep_alive_ = req.keep_alive();
  request_is_head_ = req.method() == bhttp::verb::head;
  const auto expect = req[bhttp::field::expect];
  if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
    continue_ = {bhttp::status::continue_, 11};
    return bhttp::async_write(
        stream_, continue_,
        beast::bind_front_handler(&Session::on_continue_sent, shared_from_this()));
  }
  read_body();
}

void Session::on_continue_sent(beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "continue");
  read_body();
}

void Session::read_body() {
  if (parser_->is_done()) return handle();
  stream_.expires_after(settings_->options.body_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "body");
  handle();
}

void Session::handle() {
  phase_ = Phase::handling;
  stream_.expires_never();  // the handler owns the time now; shutdown's grace bounds it
  auto state = std::make_shared<ResponderState>(weak_from_this());
  Responder responder = [state](Response res) { state->answer(std::move(res)); };
  try {
    const PeerAddressScope peer(peer_address_);
    settings_->handler(parser_->release(), responder);
  } catch (const std::exception& e) {
    obs::log_error("http_handler_threw").field("what", e.what());
    Request stand_in;
    stand_in.version(request_version_);
    responder(json_error(stand_in, bhttp::status::internal_server_error, "internal error"));
  }
}

void Session::on_response(Response res) {
  if (phase_ != Phase::handling) return;  // closed meanwhile (shutdown, abandoned)
  if (is_reset_connection(res)) return reset();
  do_write(std::move(res));
}

void Session::do_write(Response res) {
  phase_ = Phase::writing;
  res.version(request_version_);
  res.keep_alive(request_keep_alive_ && !draining_ && res.keep_alive());
  res.set(bhttp::field::server, settings_->options.server_name);
  if (!request_is_head_) res.prepare_payload();
  response_ = std::move(res);
  stream_.expires_after(settings_->options.body_timeout);  // a reader too slow is dropped
  bhttp::async_write(stream_, response_,
                     beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "write");
  if (!response_.keep_alive()) return close_gracefully();
  first_request_ = false;
  response_ = {};
  do_read();
}

// --- the one place errors end the chain --------------------------------------------------------

void Session::fail(beast::error_code ec, std::string_view where) {
  if (phase_ == Phase::closed) return;
  if (ec == bhttp::error::body_limit) {
    report_refusal(Refusal::Reason::body_too_large, 413);
    return reply_and_close(bhttp::status::payload_too_large, "request body too large");
  }
  if (ec == bhttp::error::header_limit) {
    report_refusal(Refusal::Reason::header_too_large, 431);
    return reply_and_close(bhttp::status::request_header_fields_too_large,
                           "request header too large");
  }
  const bool peer_left = ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message;
  if (phase_ == Phase::reading && ec.category() == http_error_category() && !peer_left) {
    report_refusal(Refusal::Reason::malformed, 400);
    return reply_and_close(bhttp::status::bad_request, "malformed request");
  }
  if (phase_ == Phase::reading && ec == beast::error::timeout) {
    report_refusal(Refusal::Reason::timed_out, 0);
  }
  // Resets, timeouts (slowloris, idle keep-alive) and shutdown: close without an answer. Peers
  // do this all the time, so it is debug only.
  if (ec != asio::error::operation_aborted && !peer_left) {
    obs::log_debug("http_connection_closed").field("reason", ec.message()).field("during", where);
  }
  close_socket();
}

void Session::report_refusal(Refusal::Reason reason, unsigned status) {
  if (!settings_->on_refusal) return;
  std::string_view target;
  if (parser_) target = parser_->get().target();  // set once the request line was parsed
  settings_->on_refusal(Refusal{reason, status, target});
}

void Session::reply_and_close(bhttp::status status, std::string_view reason) {
  Request stand_in;
  stand_in.version(request_version_);
  Response res = json_error(stand_in, status, reason);
  res.keep_alive(false);
  request_keep_alive_ = false;
  do_write(std::move(res));
}

void Session::close_gracefully() {
  phase_ = Phase::closing;
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close_socket();
  buffer_.clear();
  stream_.expires_after(settings_->options.linger_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_linger_read, shared_from_this()));
}

void Session::on_linger_read(beast::error_code ec, std::size_t) {
  if (ec || phase_ != Phase::closing) return close_socket();  // EOF, timeout or forced close
  buffer_.clear();  // the rest of an unwanted body: discard
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_linger_read, shared_from_this()));
}

void Session::reset() {
  beast::error_code ignored;
  stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  close_socket();
}

void Session::close_socket() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  stream_.close();
  settings_->registry->remove(id_);
}

}  // namespace patchq::http
