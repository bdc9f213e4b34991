// AsyncClient (see async_client.hpp for the contract).
//
// Connection life, all on the strand:
//   connect() -> [a host name is resolved by Asio's resolver, off the loop thread: hiredis
//   would call getaddrinfo on it and stall every connection of that loop] -> [hiredis
//   connects to the address] -> on_connect -> setup commands (AUTH, SELECT, SETNAME,
//   SCRIPT LOAD) -> all OK -> ready -> ... -> lost (EOF/error from hiredis, or drop() by the
//   watchdog) -> connection_gone() -> backoff timer -> connect() again.
// hiredis fails the commands still waiting for replies (NULL reply) when it frees a context;
// that is how "exactly the in-flight commands fail" is kept. A generation number tells stale
// callbacks of an old connection from the current one.
#include "common/redis/async_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>

#include "common/obs/log.hpp"
#include "common/obs/metrics.hpp"
#include "common/redis/asio_adapter.hpp"

namespace patchq::redis {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kTick{100};  // watchdog resolution

enum class State { idle, connecting, setting_up, ready, stopped };

}  // namespace

struct AsyncClient::Impl {
  // One command waiting for its reply; owned by hiredis' callback list as privdata.
  struct Pending {
    ReplyHandler handler;
    std::uint64_t generation = 0;
  };

  Impl(AsyncClient& owner, asio::any_io_executor executor, Options options)
      : owner(owner),
        options(std::move(options)),
        reconnect_timer(executor),
        tick_timer(executor),
        resolver(executor) {}

  AsyncClient& owner;
  Options options;
  asio::steady_timer reconnect_timer;
  asio::steady_timer tick_timer;
  asio::ip::tcp::resolver resolver;
  bool resolving = false;  // connecting, waiting for the host name's address
  redisAsyncContext* context = nullptr;
  State state = State::idle;
  std::uint64_t generation = 0;
  int attempt = 0;
  bool ever_ready = false;
  std::size_t in_flight = 0;
  std::size_t setup_remaining = 0;
  Clock::time_point connect_started;
  Clock::time_point last_progress;  // last reply, or when the oldest outstanding was sent
  Clock::time_point last_activity;  // last send or reply
  std::string encode_buffer;        // reused for each command's RESP encoding
};

std::shared_ptr<AsyncClient> AsyncClient::create(asio::any_io_executor executor, Options options) {
  return std::shared_ptr<AsyncClient>(new AsyncClient(std::move(executor), std::move(options)));
}

AsyncClient::AsyncClient(asio::any_io_executor executor, Options options)
    : executor_(std::move(executor)),
      impl_(std::make_unique<Impl>(*this, executor_, std::move(options))) {}

AsyncClient::~AsyncClient() {
  // Reached with a live context only when the executor died before stop() ran; freeing it
  // here would run handlers off the strand, so the connection is left to process exit.
  impl_->context = nullptr;
}

// ---- internal steps, all called on the strand -------------------------------------------

namespace {

void fail(const ReplyHandler& handler, std::string reason) {
  AsyncReply reply;
  reply.failure = std::move(reason);
  handler(std::move(reply));
}

}  // namespace

class AsyncClientSteps {
 public:
  using Impl = AsyncClient::Impl;
  using Pending = Impl::Pending;

  static Impl& impl_of(const redisAsyncContext* ac) { return *static_cast<Impl*>(ac->data); }

  static void connect(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    if (s.state == State::stopped) return;
    s.state = State::connecting;
    s.connect_started = Clock::now();
    const auto& ep = s.options.endpoint;
    boost::system::error_code not_an_address;
    asio::ip::make_address(ep.host, not_an_address);
    if (!not_an_address) return connect_to(self, ep.host);
    s.resolving = true;
    const std::uint64_t generation = s.generation;
    s.resolver.async_resolve(
        ep.host, std::to_string(ep.port),
        [self, generation](const boost::system::error_code& ec,
                           const asio::ip::tcp::resolver::results_type& results) {
          Impl& s = *self->impl_;
          // Stopped, timed out by the watchdog, or superseded: not ours any more.
          if (s.state != State::connecting || s.generation != generation || !s.resolving) return;
          s.resolving = false;
          if (ec || results.empty()) {
            connection_gone(self, nullptr,
                            "cannot resolve " + s.options.endpoint.host + ": " +
                                (ec ? ec.message() : std::string("no address")));
            return;
          }
          // IPv4 first, as hiredis' own lookup does (a Redis bound to 127.0.0.1 behind
          // "localhost" must not be tried on ::1 only).
          auto chosen = results.begin();
          for (auto it = results.begin(); it != results.end(); ++it) {
            if (it->endpoint().address().is_v4()) {
              chosen = it;
              break;
            }
          }
          connect_to(self, chosen->endpoint().address().to_string());
        });
  }

  static void connect_to(const std::shared_ptr<AsyncClient>& self, const std::string& address) {
    Impl& s = *self->impl_;
    const auto& ep = s.options.endpoint;
    redisAsyncContext* ac = redisAsyncConnect(address.c_str(), ep.port);
    if (ac == nullptr || ac->err) {
      const std::string why = ac ? ac->errstr : "out of memory";
      if (ac) redisAsyncFree(ac);
      connection_gone(self, nullptr, "cannot connect: " + why);
      return;
    }
    ac->data = &s;
    attach_asio(ac, self->executor_);
    s.context = ac;
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    redisAsyncSetConnectCallback(ac, on_connect);  // arms the first write wait
  }

  static void on_connect(const redisAsyncContext* ac, int status) {
    Impl& s = impl_of(ac);
    if (s.context != ac) return;
    auto self = s.owner.shared_from_this();
    if (status != REDIS_OK) {
      // hiredis frees the context right after this callback.
      connection_gone(self, ac, std::string("connect failed: ") + (ac->errstr ? ac->errstr : ""));
      return;
    }
    s.state = State::setting_up;
    send_setup(self);
  }

  static void on_disconnect(const redisAsyncContext* ac, int /*status*/) {
    Impl& s = impl_of(ac);
    if (s.context != ac) return;  // already handled by drop()
    const char* why = ac->errstr[0] != '\0' ? ac->errstr : "connection closed";
    connection_gone(s.owner.shared_from_this(), ac, why);
  }

  // The connection `ac` is finished (hiredis frees it, or drop() does). Reconnects unless
  // stopped. `ac` may be null for a connect that failed before a context existed.
  static void connection_gone(const std::shared_ptr<AsyncClient>& self, const redisAsyncContext* ac,
                              const std::string& reason) {
    Impl& s = *self->impl_;
    if (ac != nullptr && s.context != ac) return;
    const bool was_ready = s.state == State::ready;
    s.context = nullptr;
    s.resolving = false;
    ++s.generation;
    s.in_flight = 0;
    s.setup_remaining = 0;
    self->ready_.store(false, std::memory_order_release);
    if (s.state == State::stopped) return;
    s.state = State::idle;
    const auto delay = retry::backoff_delay(s.options.reconnect_backoff, s.attempt, std::nullopt,
                                            retry::thread_rng());
    if (s.attempt < 30) ++s.attempt;
    if (was_ready || s.attempt == 1) {
      obs::log_warn("redis_connection_lost")
          .field("redis", s.options.endpoint.describe())
          .field("client", s.options.name)
          .field("reason", reason)
          .field("retry_in_ms", static_cast<std::int64_t>(delay.count()));
    }
    s.reconnect_timer.expires_after(delay);
    s.reconnect_timer.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) connect(self);
    });
  }

  // Ends the current connection on our own initiative. Every command still waiting for a
  // reply fails (hiredis runs their callbacks with no reply, now or, when called from inside
  // a reply callback, as soon as it returns).
  static void drop(const std::shared_ptr<AsyncClient>& self, const std::string& reason) {
    Impl& s = *self->impl_;
    redisAsyncContext* ac = s.context;
    if (ac == nullptr) return;
    connection_gone(self, ac, reason);
    redisAsyncFree(ac);
  }

  static void send_setup(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    const auto& ep = s.options.endpoint;
    std::vector<std::vector<std::string>> setup = connection_setup_commands(ep);
    if (!s.options.name.empty()) setup.push_back({"CLIENT", "SETNAME", s.options.name});
    if (setup.empty()) setup.push_back({"PING"});
    s.setup_remaining = setup.size();
    const std::uint64_t generation = s.generation;
    for (auto& cmd : setup) {
      const std::string verb =
          cmd[0] == "AUTH" ? "AUTH" : cmd[0] + " " + (cmd.size() > 1 ? cmd[1] : "");
      auto* p = new Pending;
      p->generation = generation;
      p->handler = [self, generation, verb](AsyncReply reply) {
        Impl& s = *self->impl_;
        if (s.generation != generation || s.state != State::setting_up) return;
        if (!reply.delivered()) return;  // the connection is gone; connection_gone reconnects
        if (reply.value->is_error()) {
          // The reply text of a failed AUTH names no secret; log it for the operator.
          drop(self, "redis refused " + verb + ": " + reply.value->str);
          return;
        }
        if (--s.setup_remaining == 0) become_ready(self);
      };
      write(self, p, cmd);
    }
  }

  static void become_ready(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    s.state = State::ready;
    s.attempt = 0;
    s.last_activity = Clock::now();
    if (s.ever_ready) {
      self->reconnects_.fetch_add(1, std::memory_order_relaxed);
      if (s.options.reconnects) s.options.reconnects->inc();
    }
    s.ever_ready = true;
    self->ready_.store(true, std::memory_order_release);
    obs::log_info("redis_connected")
        .field("redis", s.options.endpoint.describe())
        .field("client", s.options.name);
  }

  // Appends one command (`args`) to the output buffer. Takes ownership of `p`; with `p` null the
  // reply is read and dropped (the queued acknowledgements inside MULTI/EXEC). The command is
  // encoded here (one allocation, sized up front) rather than by hiredis' printf-style formatter,
  // which costs more than the rest of a request's Redis work on the receiver side. Returns false
  // (after failing `p`) when the connection is gone.
  static bool write(const std::shared_ptr<AsyncClient>& self, Pending* p,
                    const std::vector<std::string>& args) {
    Impl& s = *self->impl_;
    std::string& resp = s.encode_buffer;
    resp.clear();
    std::size_t size = 16;
    for (const auto& a : args) size += a.size() + 16;
    resp.reserve(size);
    append_count(resp, '*', args.size());
    for (const auto& a : args) append_bulk(resp, a);
    const bool sent =
        s.context != nullptr && redisAsyncFormattedCommand(s.context, p ? on_reply : nullptr, p,
                                                           resp.data(), resp.size()) == REDIS_OK;
    if (resp.capacity() > (1u << 20)) std::string().swap(resp);  // after a huge payload
    if (!sent) {
      if (p != nullptr) {
        std::unique_ptr<Pending> owned(p);
        fail(owned->handler, "redis is not connected");
      }
      return false;
    }
    if (p == nullptr) return true;  // only replies someone waits for count as in flight
    const auto now = Clock::now();
    if (s.in_flight++ == 0) s.last_progress = now;
    s.last_activity = now;
    return true;
  }

  // RESP: "<marker><n>\r\n", and a bulk string "$<len>\r\n<bytes>\r\n".
  static void append_count(std::string& out, char marker, std::size_t n) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    (void)ec;  // 24 digits always hold a size_t
    out.push_back(marker);
    out.append(digits, end);
    out.append("\r\n", 2);
  }
  static void append_bulk(std::string& out, std::string_view bytes) {
    append_count(out, '$', bytes.size());
    out.append(bytes);
    out.append("\r\n", 2);
  }

  static void on_reply(redisAsyncContext* ac, void* raw, void* privdata) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
    Impl& s = impl_of(ac);
    auto self = s.owner.shared_from_this();
    const auto* reply = static_cast<const redisReply*>(raw);
    if (p->generation == s.generation && s.in_flight > 0) {
      --s.in_flight;
      s.last_progress = s.last_activity = Clock::now();
    }
    AsyncReply out;
    if (reply == nullptr) {
      out.failure = "connection to redis lost before the reply";
      if (ac->errstr[0] != '\0') out.failure += std::string(": ") + ac->errstr;
    } else {
      out.value = RedisValue::from_reply(reply);
    }
    try {
      p->handler(std::move(out));
    } catch (const std::exception& e) {
      // Never unwind through hiredis' C frames.
      obs::log_error("redis_reply_handler_threw").field("error", e.what());
    }
  }

  static void tick(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    if (s.state == State::stopped) return;
    const auto now = Clock::now();
    const auto ms = [](auto d) { return std::chrono::duration_cast<milliseconds>(d).count(); };
    if (s.state == State::connecting && s.resolving &&
        now - s.connect_started > s.options.connect_timeout) {
      s.resolving = false;
      s.resolver.cancel();
      connection_gone(self, nullptr,
                      "resolving " + s.options.endpoint.host + " timed out after " +
                          std::to_string(ms(now - s.connect_started)) + " ms");
    } else if ((s.state == State::connecting || s.state == State::setting_up) &&
               now - s.connect_started > s.options.connect_timeout) {
      drop(self, "connect timed out after " + std::to_string(ms(now - s.connect_started)) + " ms");
    } else if (s.state == State::ready && s.in_flight > 0 &&
               now - s.last_progress > s.options.reply_timeout) {
      drop(self, "no reply for " + std::to_string(ms(now - s.last_progress)) + " ms");
    } else if (s.state == State::ready && s.in_flight == 0 &&
               now - s.last_activity >= s.options.ping_interval) {
      auto* p = new Pending;
      p->generation = s.generation;
      p->handler = [](AsyncReply) {};  // progress is what counts, not the reply
      write(self, p, {"PING"});
    }
    schedule_tick(self);
  }

  static void schedule_tick(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    s.tick_timer.expires_after(kTick);
    s.tick_timer.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) tick(self);
    });
  }

  static void send_user(const std::shared_ptr<AsyncClient>& self, std::unique_ptr<Pending> p,
                        std::vector<std::string> command) {
    Impl& s = *self->impl_;
    if (s.state != State::ready) {
      fail(p->handler, "redis is not connected");
      return;
    }
    p->generation = s.generation;
    write(self, p.release(), command);
  }

  static void send_transaction(const std::shared_ptr<AsyncClient>& self, std::unique_ptr<Pending> p,
                               std::vector<std::vector<std::string>> commands) {
    Impl& s = *self->impl_;
    if (s.state != State::ready) {
      fail(p->handler, "redis is not connected");
      return;
    }
    p->generation = s.generation;
    // All on this strand turn, so nothing else lands between MULTI and EXEC.
    bool sent = write(self, nullptr, {"MULTI"});
    for (const auto& command : commands) sent = sent && write(self, nullptr, command);
    if (!sent) {
      fail(p->handler, "redis is not connected");
      return;
    }
    write(self, p.release(), {"EXEC"});
  }

  static void stop(const std::shared_ptr<AsyncClient>& self) {
    Impl& s = *self->impl_;
    if (s.state == State::stopped) return;
    s.state = State::stopped;
    s.reconnect_timer.cancel();
    s.tick_timer.cancel();
    s.resolving = false;
    s.resolver.cancel();
    drop(self, "client stopped");
    self->ready_.store(false, std::memory_order_release);
  }
};

// ---- public API --------------------------------------------------------------------------

void AsyncClient::start() {
  asio::post(executor_, [self = shared_from_this()] {
    AsyncClientSteps::connect(self);
    AsyncClientSteps::schedule_tick(self);
  });
}

void AsyncClient::stop(std::function<void()> done) {
  asio::dispatch(executor_, [self = shared_from_this(), done = std::move(done)] {
    AsyncClientSteps::stop(self);
    if (done) done();
  });
}

void AsyncClient::command(std::vector<std::string> args, ReplyHandler handler) {
  auto p = std::make_unique<Impl::Pending>();
  p->handler = std::move(handler);
  asio::dispatch(executor_,
                 [self = shared_from_this(), p = std::move(p), args = std::move(args)]() mutable {
                   AsyncClientSteps::send_user(self, std::move(p), std::move(args));
                 });
}

void AsyncClient::transaction(std::vector<std::vector<std::string>> commands,
                              ReplyHandler handler) {
  auto p = std::make_unique<Impl::Pending>();
  p->handler = std::move(handler);
  asio::dispatch(executor_, [self = shared_from_this(), p = std::move(p),
                             commands = std::move(commands)]() mutable {
    AsyncClientSteps::send_transaction(self, std::move(p), std::move(commands));
  });
}

}  // namespace patchq::redis
