// HttpServer over real sockets on 127.0.0.1: routing, async answers, limits, keep-alive,
// pipelining, timeouts and graceful shutdown.
#include "common/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_call.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/http/raw_connection.hpp"

namespace patchq::http {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using patchq::http::testing::RawConnection;
using patchq::testing::http_call;
using patchq::testing::http_get;
using patchq::testing::HttpCall;
using patchq::testing::wait_until;

// Answers "<method> <target> <body>" as text/plain.
void echo(Request&& req, Responder respond) {
  std::string text =
      std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body();
  respond(make_response(req, bhttp::status::ok, std::move(text), "text/plain"));
}

ServerOptions loopback_options() {
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.server_name = "patchq-test";
  return options;
}

std::string get_request(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" +
         std::string(extra_headers) + "\r\n";
}

TEST(HttpServer, RouteIsCalledAndAnswered) {
  HttpServer server(loopback_options(), echo);
  server.start();
  const auto reply = patchq::testing::http_post(server.port(), "/things?x=1", "hello");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "POST /things?x=1 hello");
  EXPECT_EQ(reply.headers.at("server"), "patchq-test");
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain");
  EXPECT_EQ(reply.headers.at("content-length"), "22");
}

TEST(HttpServer, ResponderAnswersFromAnotherThread) {
  std::mutex mu;
  std::vector<std::thread> workers;
  std::atomic<std::thread::id> handler_thread;
  std::atomic<std::thread::id> answer_thread;
  HttpServer server(loopback_options(), [&](Request&& req, Responder respond) {
    handler_thread = std::this_thread::get_id();
    std::lock_guard lock(mu);
    workers.emplace_back([&, req = std::move(req), respond = std::move(respond)] {
      answer_thread = std::this_thread::get_id();
      respond(make_response(req, bhttp::status::accepted, R"({"job_id":"j1"})"));
    });
  });
  server.start();
  const auto reply = http_get(server.port(), "/webhook");
  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body, R"({"job_id":"j1"})");
  EXPECT_NE(handler_thread.load(), answer_thread.load());
  server.shutdown(1s);
  for (auto& t : workers) t.join();
}

TEST(HttpServer, OversizeContentLengthIsRefusedBeforeTheBodyIsSent) {
  std::atomic<int> calls{0};
  auto options = loopback_options();
  options.max_body_bytes = 1024;
  HttpServer server(options, [&](Request&& req, Responder respond) {
    ++calls;
    echo(std::move(req), std::move(respond));
  });
  server.start();
  RawConnection conn(server.port());
  // Only the header: the server must answer without waiting for ten gigabytes.
  ASSERT_TRUE(
      conn.send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 10000000000\r\n\r\n"));
  const auto res = conn.read_response(3s);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->body, R"({"error":"request body too large"})");
  EXPECT_EQ(res->connection, "close");
  EXPECT_TRUE(conn.closed_within(3s));
  EXPECT_EQ(calls.load(), 0);
}

// Collects what a server reports through its RefusalObserver (called on loop threads).
class Refusals {
 public:
  RefusalObserver observer() {
    return [this](const Refusal& r) {
      std::lock_guard lock(mutex_);
      seen_.push_back(std::string(refusal_name(r.reason)) + " " + std::to_string(r.status) + " " +
                      std::string(r.target));
    };
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

TEST(HttpServer, RefusalsAreReportedWithTheAnswerAndTheTarget) {
  Refusals refusals;
  auto options = loopback_options();
  options.max_body_bytes = 1024;
  options.max_header_bytes = 512;
  HttpServer server(options, echo, refusals.observer());
  server.start();
  {
    RawConnection conn(server.port());
    ASSERT_TRUE(
        conn.send("POST /webhook?target=a HTTP/1.1\r\nHost: x\r\n"
                  "Content-Length: 5000\r\n\r\n"));
    ASSERT_TRUE(conn.read_response(3s).has_value());
  }
  {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(get_request("/big", "X-Padding: " + std::string(1000, 'p') + "\r\n")));
    ASSERT_TRUE(conn.read_response(3s).has_value());
  }
  {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send("NOT HTTP AT ALL\r\n\r\n"));
    ASSERT_TRUE(conn.read_response(3s).has_value());
  }
  ASSERT_TRUE(wait_until([&] { return refusals.seen().size() == 3; }, 3s));
  const std::vector<std::string> expected = {"body_too_large 413 /webhook?target=a",
                                             "header_too_large 431 /big", "malformed_request 400 "};
  EXPECT_EQ(refusals.seen(), expected);
  // A good request is not a refusal.
  EXPECT_EQ(http_get(server.port(), "/fine").status, 200);
  EXPECT_EQ(refusals.seen().size(), 3u);
}

TEST(HttpServer, ARequestCutByTheHeaderTimeoutIsReportedAnIdleConnectionIsNot) {
  Refusals refusals;
  auto options = loopback_options();
  options.header_timeout = 200ms;
  options.idle_timeout = 200ms;
  HttpServer server(options, echo, refusals.observer());
  server.start();
  RawConnection idle(server.port());  // connects, never sends a byte
  RawConnection half(server.port());
  ASSERT_TRUE(half.send("GET /slow HTTP/1.1\r\nHost: x\r\n"));  // no end of header
  EXPECT_TRUE(half.closed_within(3s));
  EXPECT_TRUE(idle.closed_within(3s));
  ASSERT_TRUE(wait_until([&] { return server.open_connections() == 0; }, 2s));
  const std::vector<std::string> expected = {"client_timeout 0 /slow"};
  EXPECT_EQ(refusals.seen(), expected);
}

TEST(HttpServer, ChunkedBodyGrowingPastTheLimitGets413) {
  auto options = loopback_options();
  options.max_body_bytes = 1024;
  HttpServer server(options, echo);
  server.start();
  RawConnection conn(server.port());
  std::string request = "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(512, 'a');
  for (int i = 0; i < 8; ++i) request += "200\r\n" + chunk + "\r\n";  // 4 KiB in all
  request += "0\r\n\r\n";
  conn.send(request);
  const auto res = conn.read_response(3s);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->connection, "close");
}

TEST(HttpServer, ChunkedBodyWithinTheLimitIsDelivered) {
  auto options = loopback_options();
  options.max_body_bytes = 1024;
  HttpServer server(options, echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  const auto res = conn.read_response(3s);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST /c abcde");
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/one"));
  const auto first = conn.read_response();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, "GET /one ");
  EXPECT_NE(first->connection, "close");
  conn.send(get_request("/two"));
  const auto second = conn.read_response();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /two ");
  EXPECT_EQ(server.open_connections(), 1u);
}

TEST(HttpServer, EachConnectionStaysOnOneLoopAndConnectionsSpreadOverTheLoops) {
  // The handler reports which loop runs it: the index of the loop whose executor is running
  // in the handler's thread.
  std::unique_ptr<HttpServer> server;
  server =
      std::make_unique<HttpServer>(loopback_options(), [&server](Request&& req, Responder respond) {
        std::string loop = "none";
        const auto& loops = server->loops();
        for (std::size_t i = 0; i < loops.size(); ++i) {
          if (loops[i]->get_executor().running_in_this_thread()) loop = std::to_string(i);
        }
        respond(make_response(req, bhttp::status::ok, loop, "text/plain"));
      });
  ASSERT_EQ(server->loops().size(), 2u);
  server->start();
  RawConnection first(server->port());
  RawConnection second(server->port());
  std::vector<std::string> seen;
  for (auto* conn : {&first, &second}) {
    std::string loop_of_connection;
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(conn->send(get_request("/where")));
      const auto answer = conn->read_response();
      ASSERT_TRUE(answer.has_value());
      ASSERT_NE(answer->body, "none");
      if (i == 0) loop_of_connection = answer->body;
      EXPECT_EQ(answer->body, loop_of_connection) << "a connection moved between loops";
    }
    seen.push_back(loop_of_connection);
  }
  EXPECT_NE(seen[0], seen[1]) << "two connections were placed on the same loop";
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  std::unique_ptr<HttpServer> server;
  // The first request is answered last in time: the order on the wire must not change.
  server = std::make_unique<HttpServer>(loopback_options(), [&](Request&& req, Responder respond) {
    if (req.target() != "/a") return echo(std::move(req), std::move(respond));
    auto timer = std::make_shared<boost::asio::steady_timer>(server->io_context(), 100ms);
    timer->async_wait([timer, req = std::move(req), respond](boost::system::error_code) mutable {
      echo(std::move(req), std::move(respond));
    });
  });
  server->start();
  RawConnection conn(server->port());
  conn.send(get_request("/a") + get_request("/b") + get_request("/c"));
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    const auto res = conn.read_response();
    ASSERT_TRUE(res.has_value()) << "response " << i;
    bodies.push_back(res->body);
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"GET /a ", "GET /b ", "GET /c "}));
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/bye", "Connection: close\r\n"));
  const auto res = conn.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->connection, "close");
  EXPECT_TRUE(conn.closed_within(3s));
}

TEST(HttpServer, Http10WithoutKeepAliveIsClosedAfterTheAnswer) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send("GET /old HTTP/1.0\r\n\r\n");
  const auto res = conn.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->body, "GET /old ");
  EXPECT_TRUE(conn.closed_within(3s));
}

TEST(HttpServer, MalformedRequestGets400) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send("GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  const auto res = conn.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, R"({"error":"malformed request"})");
  EXPECT_TRUE(conn.closed_within(3s));
}

TEST(HttpServer, OversizeHeaderGets431) {
  auto options = loopback_options();
  options.max_header_bytes = 1024;
  HttpServer server(options, echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/x", "X-Big: " + std::string(4096, 'b') + "\r\n"));
  const auto res = conn.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 431);
}

TEST(HttpServer, ExpectContinueIsAnsweredBeforeTheBody) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  const auto interim = conn.read_response();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  conn.send("bytes");
  const auto res = conn.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "PUT /up bytes");
}

TEST(HttpServer, SlowlorisHeaderIsCutOffAtTheHeaderTimeout) {
  auto options = loopback_options();
  options.header_timeout = 300ms;
  HttpServer server(options, echo);
  server.start();
  RawConnection conn(server.port());
  const std::string header = get_request("/slow", "X-Padding: " + std::string(200, 'p') + "\r\n");
  // One byte every 20 ms would take over 4 s: the deadline is for the whole header, so the
  // server must hang up long before.
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (std::size_t i = 0; i < header.size() && !closed; ++i) {
    if (!conn.send(header.substr(i, 1))) break;
    closed = conn.closed_within(20ms);
  }
  if (!closed) closed = conn.closed_within(2s);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(closed);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(wait_until([&] { return server.open_connections() == 0; }, 2s));
}

TEST(HttpServer, StalledBodyIsCutOffAtTheBodyTimeout) {
  std::atomic<int> calls{0};
  auto options = loopback_options();
  options.body_timeout = 200ms;
  HttpServer server(options, [&](Request&& req, Responder respond) {
    ++calls;
    echo(std::move(req), std::move(respond));
  });
  server.start();
  RawConnection conn(server.port());
  conn.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");  // 7 bytes short
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(conn.closed_within(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  auto options = loopback_options();
  options.idle_timeout = 200ms;
  HttpServer server(options, echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/x"));
  ASSERT_TRUE(conn.read_response().has_value());
  EXPECT_TRUE(conn.closed_within(3s));
}

TEST(HttpServer, ResetConnectionAnswerDropsTheSocketWithoutBytes) {
  HttpServer server(loopback_options(),
                    [](Request&&, Responder respond) { respond(reset_connection()); });
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/x"));
  std::string received;
  EXPECT_TRUE(conn.closed_within(3s, &received));
  EXPECT_EQ(received, "");
}

TEST(HttpServer, DroppedResponderAnswers500) {
  HttpServer server(loopback_options(), [](Request&&, Responder) {});
  server.start();
  const auto reply = http_get(server.port(), "/x");
  EXPECT_EQ(reply.status, 500);
}

TEST(HttpServer, HandlerExceptionAnswers500) {
  HttpServer server(loopback_options(),
                    [](Request&&, Responder) { throw std::runtime_error("boom"); });
  server.start();
  const auto reply = http_get(server.port(), "/x");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, R"({"error":"internal error"})");
}

TEST(HttpServer, ConnectionsOverTheMaximumAreClosedAtOnce) {
  auto options = loopback_options();
  options.max_connections = 1;
  HttpServer server(options, echo);
  server.start();
  RawConnection first(server.port());
  ASSERT_TRUE(wait_until([&] { return server.open_connections() == 1; }, 2s));
  RawConnection second(server.port());
  EXPECT_TRUE(second.closed_within(2s));
  first.send(get_request("/still-served"));
  const auto res = first.read_response();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
}

TEST(HttpServer, BindFailureThrowsWithTheAddress) {
  HttpServer first(loopback_options(), echo);
  auto options = loopback_options();
  options.port = first.port();
  try {
    HttpServer second(options, echo);
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())),
              std::string::npos);
  }
}

TEST(HttpServer, ShutdownLetsAnInFlightRequestFinishWithItsRealAnswer) {
  std::unique_ptr<HttpServer> server;
  std::atomic<bool> in_handler{false};
  server = std::make_unique<HttpServer>(loopback_options(), [&](Request&& req, Responder respond) {
    in_handler = true;
    auto timer = std::make_shared<boost::asio::steady_timer>(server->io_context(), 300ms);
    timer->async_wait([timer, req = std::move(req), respond](boost::system::error_code) {
      respond(make_response(req, bhttp::status::ok, R"({"done":true})"));
    });
  });
  server->start();
  const int port = server->port();
  patchq::testing::HttpReply reply;
  std::thread client([&] { reply = http_get(port, "/slow"); });
  ASSERT_TRUE(wait_until([&] { return in_handler.load(); }, 5s));

  const auto started = std::chrono::steady_clock::now();
  server->shutdown(5s);
  const auto took = std::chrono::steady_clock::now() - started;
  client.join();

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"done":true})");
  EXPECT_EQ(reply.headers["connection"], "close");
  EXPECT_LT(took, 4s);
  EXPECT_EQ(server->open_connections(), 0u);
  EXPECT_EQ(http_get(port, "/after").status, 0);  // no longer accepting
}

TEST(HttpServer, ShutdownClosesIdleKeepAliveConnectionsAtOnce) {
  HttpServer server(loopback_options(), echo);
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/x"));
  ASSERT_TRUE(conn.read_response().has_value());
  const auto started = std::chrono::steady_clock::now();
  server.shutdown(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_TRUE(conn.closed_within(2s));
}

TEST(HttpServer, ShutdownForceClosesAfterTheGrace) {
  std::vector<Responder> never_answered;
  std::mutex mu;
  HttpServer server(loopback_options(), [&](Request&&, Responder respond) {
    std::lock_guard lock(mu);
    never_answered.push_back(std::move(respond));
  });
  server.start();
  RawConnection conn(server.port());
  conn.send(get_request("/stuck"));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return !never_answered.empty();
  }));
  const auto started = std::chrono::steady_clock::now();
  server.shutdown(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(server.open_connections(), 0u);
  EXPECT_TRUE(conn.closed_within(2s));
  // The connection is gone: answering now is a harmless no-op.
  Request req;
  never_answered.front()(make_response(req, bhttp::status::ok, "{}"));
}

TEST(HttpServer, ShutdownFromALoopThreadReturnsAndRunEnds) {
  std::unique_ptr<HttpServer> server;
  server = std::make_unique<HttpServer>(loopback_options(), [&](Request&& req, Responder respond) {
    respond(make_response(req, bhttp::status::ok, "{}"));
    server->shutdown(2s);  // as a signal handler or a /shutdown route would
  });
  const int port = server->port();
  std::thread runner([&] { server->run(); });
  EXPECT_EQ(http_get(port, "/stop").status, 200);
  runner.join();  // run() returned: the shutdown finished
  EXPECT_EQ(server->open_connections(), 0u);
}

}  // namespace
}  // namespace patchq::http
