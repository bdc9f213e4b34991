// The receiver's process life: SIGTERM during a burst answers what it took in and exits 0;
// keep-alive and pipelined requests; slow clients are cut off by the header timeout.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <set>

#include "tests/integration/receiver/receiver_process.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string webhook_request(const std::string& payload) {
  return "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
         std::string(kReceiverToken) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(payload.size()) +
         "\r\n\r\n" + payload;
}

TEST(ReceiverLifecycle, SigtermDuringABurstAcknowledgesOnlyStoredJobsAndExitsZero) {
  RedisServer redis;
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  Burst burst(receiver.port(), 8, 100'000);
  ASSERT_TRUE(wait_until([&] { return burst.count(202) >= 300; }, 20s));
  receiver.process().signal(SIGTERM);
  ASSERT_TRUE(receiver.process().wait_exit(30s).has_value());
  burst.stop();
  EXPECT_EQ(receiver.process().exit_code(), 0) << receiver.process().stderr_text();

  std::set<std::string> stored;
  for (const auto& e : redis.command({"XRANGE", "patchq:jobs", "-", "+"}).elements) {
    stored.insert(e.elements[1].elements[1].str);
  }
  std::size_t accepted = 0;
  for (const auto& a : burst.answers()) {
    // 202 (stored) or no answer at all (refused once the listener closed); never a 5xx for
    // a request that was taken in before the signal.
    ASSERT_TRUE(a.status == 202 || a.status == 0) << "status " << a.status;
    if (a.status == 202) {
      ++accepted;
      EXPECT_TRUE(stored.contains(a.job_id)) << a.job_id;
    }
  }
  EXPECT_GE(accepted, 300u);
  // A job may be stored whose answer the client never saw (its connection closed at the
  // signal), never the reverse.
  EXPECT_GE(stored.size(), accepted);
}

TEST(ReceiverLifecycle, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  RedisServer redis;
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(receiver.port())));
  // Three requests in one write: a webhook, the same webhook again, then GET /.
  const std::string pipelined = webhook_request(unique_payload(7)) +
                                webhook_request(unique_payload(7)) +
                                "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket, asio::buffer(pipelined));
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (received.find("receiver is running") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    char chunk[4096];
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    received.append(chunk, n);
  }
  const auto first = received.find("HTTP/1.1 202");
  const auto second = received.find("HTTP/1.1 200", first);
  const auto third = received.find("patchq receiver is running", second);
  EXPECT_NE(first, std::string::npos) << received;
  EXPECT_NE(second, std::string::npos) << received;
  EXPECT_NE(third, std::string::npos) << received;
  EXPECT_NE(received.find(R"("status":"duplicate")"), std::string::npos);
}

TEST(ReceiverLifecycle, ASlowClientIsCutOffByTheHeaderTimeout) {
  RedisServer redis;
  ReceiverProcess receiver(redis, {"--header-timeout", "300ms"});
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(receiver.port())));
  asio::write(socket, asio::buffer(std::string("POST /webhook HTTP/1.1\r\nHost: x\r\n")));
  const auto started = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  // Blocks until the server gives up on us: it closes (EOF) or answers and closes.
  while (!ec) socket.read_some(asio::buffer(&byte, 1), ec);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 5s);
}

}  // namespace
}  // namespace patchq::testing
