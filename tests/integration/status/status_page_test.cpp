// The status page as a person sees it: a real patchq-receiver with --admin-token over a real
// redis-server holding known jobs, rendered by headless Debian chromium (browser/status-page.js
// drives it). The numbers shown match Redis, an item name with <script> shows as text and
// runs nothing, the retry button moves a dead job back to the queue, the page without the
// token is refused, a receiver without an admin token has no such routes, and wrong tokens
// are throttled per client address.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <filesystem>

#include "common/queue/job_queue.hpp"
#include "common/queue/status_snapshot.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAdminToken = "status-admin-token-0123";
constexpr const char* kHostileItem = "<script>window.__patchqInjected=true</script>";

std::filesystem::path browser_dir() {
  return source_path("tests/integration/status/browser");
}

// A receiver on a free port; `extra` flags added.
std::unique_ptr<ChildProcess> start_receiver(const RedisServer& redis, int port,
                                             std::vector<std::string> extra) {
  std::vector<std::string> args = {"--listen",        "127.0.0.1:" + std::to_string(port),
                                   "--redis",         redis.url(),
                                   "--webhook-token", "webhook-token",
                                   "--threads",       "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto p = std::make_unique<ChildProcess>(binary_path("patchq-receiver"), args);
  EXPECT_TRUE(
      wait_until([&] { return !p->running() || http_get(port, "/healthz").status == 200; }, 10s));
  EXPECT_TRUE(p->running()) << p->stderr_text();
  return p;
}

class StatusPageInChromium : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Installs playwright-core (no browser download: it drives Debian's chromium).
    ChildProcess npm(source_path("scripts/ensure-node-deps"), {browser_dir().string()});
    ASSERT_TRUE(npm.wait_exit(300s).has_value());
    ASSERT_EQ(npm.exit_code(), 0) << npm.stderr_text();
  }

  StatusPageInChromium() : client_({redis_.endpoint()}), queue_(client_, keys_) {
    queue_.ensure_group();
  }

  std::string enqueue(const std::string& item) {
    queue::JobSpec spec;
    spec.payload = "{}";
    spec.target = "dataset-a";
    spec.item_id = item;
    return queue_.enqueue(spec);
  }
  queue::Job take(const std::string& consumer) {
    auto d = queue_.read(consumer, 500ms);
    return *queue_.start(*d, consumer);
  }
  std::string status_of(const std::string& id) {
    return redis_.command({"HGET", keys_.job_record(id), "status"}).str;
  }

  RedisServer redis_;
  queue::KeySchema keys_{"patchq:"};
  redis::SyncClient client_;
  queue::JobQueue queue_;
};

// Values of the browser's JSON report, by JSON pointer ("/afterLogin/counts/dead").
struct Report {
  simdjson::dom::element root;
  std::string text(std::string_view pointer) const {
    std::string_view v;
    if (root.at_pointer(pointer).get(v) != simdjson::SUCCESS)
      return "<no " + std::string(pointer) + ">";
    return std::string(v);
  }
  std::int64_t number(std::string_view pointer) const {
    std::int64_t v = -1;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS ? v : -1;
  }
  bool flag(std::string_view pointer) const {
    bool v = false;
    return root.at_pointer(pointer).get(v) == simdjson::SUCCESS && v;
  }
  std::size_t size(std::string_view pointer) const {
    simdjson::dom::array a;
    if (root.at_pointer(pointer).get(a) != simdjson::SUCCESS) return 0;
    return a.size();
  }
};

TEST_F(StatusPageInChromium, ShowsRedisNumbersEscapesItemNamesAndRetriesDeadJobs) {
  // Known jobs: 2 done, 1 retrying, 2 dead (one with a hostile item name), 1 running, 2 queued.
  std::vector<std::string> ids;
  for (const char* item : {"done-1", "done-2", "retry-1", kHostileItem, "dead-2", "running-1",
                           "queued-1", "queued-2"}) {
    ids.push_back(enqueue(item));
  }
  queue_.complete(take("worker-a:11"), "worker-a:11", 4, 60s);
  queue_.complete(take("worker-a:11"), "worker-a:11", 4, 60s);
  queue_.schedule_retry(take("worker-a:11"), "worker-a:11", 600s, "V7 answered 503");
  queue_.bury(take("worker-b:22"), "worker-b:22", "permanent", "V7 refused: <b>bad</b>");
  queue_.bury(take("worker-b:22"), "worker-b:22", "attempts_exhausted", "timeout");
  take("worker-b:22");
  const std::string hostile_id = ids[3];
  const queue::StatusSnapshot redis_view = queue::read_status_snapshot(client_, keys_);
  ASSERT_EQ(redis_view.queue.queued, 2);
  ASSERT_EQ(redis_view.queue.dead, 2);

  const int port = free_port();
  auto receiver = start_receiver(redis_, port, {"--admin-token", kAdminToken});
  ASSERT_TRUE(receiver->running());

  std::filesystem::create_directories(PATCHQ_ARTIFACT_DIR);
  const std::filesystem::path shot = std::filesystem::path(PATCHQ_ARTIFACT_DIR) / "status-page.png";
  std::filesystem::remove(shot);
  ChildProcess browser("/usr/bin/node",
                       {(browser_dir() / "status-page.js").string(), "--url",
                        "http://127.0.0.1:" + std::to_string(port), "--token", kAdminToken,
                        "--screenshot", shot.string(), "--retry", hostile_id},
                       {{"NODE_PATH", (browser_dir() / "node_modules").string()}});
  ASSERT_TRUE(browser.wait_exit(120s).has_value()) << "chromium run did not finish";
  ASSERT_EQ(browser.exit_code(), 0) << browser.stderr_text();

  simdjson::dom::parser parser;
  Report r;
  const std::string out = browser.stdout_text();
  ASSERT_EQ(parser.parse(out).get(r.root), simdjson::SUCCESS) << out;

  // Without the token: refused, a sign-in form and no numbers.
  EXPECT_EQ(r.number("/withoutToken/status"), 401);
  EXPECT_FALSE(r.flag("/withoutToken/showsNumbers"));
  EXPECT_TRUE(r.flag("/withoutToken/hasLoginForm"));

  // Signed in: the numbers Redis holds.
  EXPECT_EQ(r.text("/afterLogin/counts/queued"), std::to_string(redis_view.queue.queued));
  EXPECT_EQ(r.text("/afterLogin/counts/running"), std::to_string(redis_view.queue.pending));
  EXPECT_EQ(r.text("/afterLogin/counts/retrying"), std::to_string(redis_view.queue.retrying));
  EXPECT_EQ(r.text("/afterLogin/counts/dead"), std::to_string(redis_view.queue.dead));
  EXPECT_EQ(r.text("/afterLogin/counts/done"), std::to_string(redis_view.queue.done));
  EXPECT_EQ(r.text("/afterLogin/counts/done"), "2");
  EXPECT_EQ(r.size("/afterLogin/charts"), 3u);

  // The dead letters, newest first, with the hostile item name as plain text.
  ASSERT_EQ(r.size("/afterLogin/dead"), 2u) << out;
  EXPECT_EQ(r.text("/afterLogin/dead/1/1"), hostile_id);
  EXPECT_EQ(r.text("/afterLogin/dead/1/2"), kHostileItem);
  EXPECT_EQ(r.text("/afterLogin/dead/1/4"), "permanent");
  EXPECT_EQ(r.text("/afterLogin/dead/1/6"), "V7 refused: <b>bad</b>");
  EXPECT_EQ(r.text("/afterLogin/dead/0/4"), "attempts_exhausted");
  EXPECT_EQ(r.number("/afterLogin/scriptElements"), 0);
  EXPECT_FALSE(r.flag("/afterLogin/injectedScriptRan"));
  EXPECT_EQ(r.size("/cspViolations"), 0u) << out;

  // The running job and its worker.
  ASSERT_EQ(r.size("/afterLogin/running"), 1u) << out;
  EXPECT_EQ(r.text("/afterLogin/running/0/0"), "worker-b:22");
  EXPECT_EQ(r.text("/afterLogin/running/0/2"), "running-1");

  // The retry button: the dead job is back in the queue, and the page shows it.
  ASSERT_TRUE(r.flag("/retryButtonFound")) << out;
  EXPECT_EQ(r.text("/afterRetry/url"), "http://127.0.0.1:" + std::to_string(port) + "/status");
  EXPECT_EQ(status_of(hostile_id), "queued");
  const queue::StatusSnapshot after = queue::read_status_snapshot(client_, keys_);
  EXPECT_EQ(after.queue.dead, 1);
  EXPECT_EQ(after.queue.queued, 3);
  EXPECT_EQ(r.text("/afterRetry/counts/dead"), "1");
  EXPECT_EQ(r.text("/afterRetry/counts/queued"), "3");

  EXPECT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 10000u);
}

TEST(StatusRoutesOff, AReceiverWithoutAnAdminTokenAnswers404) {
  RedisServer redis;
  const int port = free_port();
  auto receiver = start_receiver(redis, port, {});
  ASSERT_TRUE(receiver->running());
  EXPECT_EQ(http_get(port, "/status").status, 404);
  EXPECT_EQ(http_get(port, "/api/stats").status, 404);
  EXPECT_EQ(http_post(port, "/api/dead/retry-all", "").status, 404);
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
}

TEST(StatusRoutesOn, TheApiNeedsTheAdminTokenNotTheWebhookToken) {
  RedisServer redis;
  const int port = free_port();
  auto receiver = start_receiver(redis, port, {"--admin-token", kAdminToken});
  ASSERT_TRUE(receiver->running());
  HttpCall call;
  call.port = port;
  call.method = "GET";
  call.target = "/api/stats";
  call.headers["Authorization"] = "Bearer webhook-token";
  EXPECT_EQ(http_call(call).status, 401);
  call.headers["Authorization"] = std::string("Bearer ") + kAdminToken;
  const HttpReply ok = http_call(call);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("\"queue\":{\"queued\":0"), std::string::npos) << ok.body;
}

// POST /status/login with `token` from the client address `from` (another loopback address
// than 127.0.0.1 is another client to the server). Blocking, 10 s at most.
HttpReply login_from(const std::string& from, int port, const std::string& token) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  HttpReply reply;
  beast::error_code ec;
  stream.socket().open(asio::ip::tcp::v4(), ec);
  if (!ec) stream.socket().bind({asio::ip::make_address(from), 0}, ec);
  stream.expires_after(10s);
  if (!ec)
    stream.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  beast::http::request<beast::http::string_body> req{beast::http::verb::post, "/status/login", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::content_type, "application/x-www-form-urlencoded");
  req.body() = "token=" + token;
  req.prepare_payload();
  if (!ec) beast::http::write(stream, req, ec);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  if (!ec) beast::http::read(stream, buffer, res, ec);
  if (ec) {
    reply.error = ec.message();
    return reply;
  }
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

// Wrong admin tokens are counted per client address, as the server saw it: one loopback
// address that guessed too often gets 429 with Retry-After, even for the right token, while
// another address signs in.
TEST(StatusRoutesOn, WrongTokensAreThrottledPerClientAddress) {
  RedisServer redis;
  const int port = free_port();
  auto receiver = start_receiver(redis, port, {"--admin-token", kAdminToken});
  ASSERT_TRUE(receiver->running());
  auto login = [port](const std::string& from, const std::string& token) {
    return login_from(from, port, token);
  };
  int refused_at = 0;
  for (int attempt = 1; attempt <= 20 && refused_at == 0; ++attempt) {
    const HttpReply reply = login("127.0.0.2", "guess-" + std::to_string(attempt));
    ASSERT_TRUE(reply.status == 401 || reply.status == 429) << reply.status << reply.error;
    if (reply.status == 429) refused_at = attempt;
  }
  EXPECT_EQ(refused_at, 11);  // ten wrong tokens are allowed, then the address waits
  const HttpReply right_but_refused = login("127.0.0.2", kAdminToken);
  EXPECT_EQ(right_but_refused.status, 429);
  EXPECT_GE(std::stoi(right_but_refused.headers.count("retry-after")
                          ? right_but_refused.headers.at("retry-after")
                          : "0"),
            1);
  EXPECT_EQ(right_but_refused.headers.count("set-cookie"), 0u);
  const HttpReply other = login("127.0.0.3", kAdminToken);
  EXPECT_EQ(other.status, 303) << other.body;
  EXPECT_EQ(other.headers.count("set-cookie"), 1u);
  EXPECT_NE(receiver->stderr_text().find("status_login_throttled"), std::string::npos);
  EXPECT_EQ(receiver->stderr_text().find(kAdminToken), std::string::npos);
}

}  // namespace
}  // namespace patchq::testing
