// The receiver's routes driven without sockets: requests in, responses out, with a real
// redis-server behind the job writer. One behaviour per test; bodies asserted.
#include "services/receiver/routes.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/beast/http/field.hpp>
#include <future>

#include "services/receiver/job_writer.hpp"
#include "services/receiver/webhook_route.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/redis_async/io_thread.hpp"

namespace patchq::receiver {
namespace {

using namespace std::chrono_literals;
namespace bhttp = boost::beast::http;
using testing::RedisServer;

constexpr const char* kToken = "s3cret";

std::string sample_payload() {
  return testing::read_file(testing::source_path("tests/data/v7/webhook_v2.json"));
}

// Everything the routes need, wired as main.cpp wires it, on one I/O thread.
class Receiver {
 public:
  explicit Receiver(RedisServer& redis, WebhookOptions options = default_options(),
                    std::uint64_t max_queue = 0)
      : writer_({&io_.io()}, writer_options(redis, max_queue)),
        webhook_(std::move(options), writer_, metrics_),
        routes_(webhook_, metrics_, [this] { return writer_.ready(); }) {
    writer_.start();
    EXPECT_TRUE(testing::wait_until([&] { return writer_.ready(); }));
  }
  ~Receiver() {
    std::promise<void> stopped;
    writer_.stop([&] { stopped.set_value(); });
    stopped.get_future().wait_for(5s);
  }

  static WebhookOptions default_options() {
    WebhookOptions o;
    o.token.emplace(kToken);
    return o;
  }

  http::Response call(http::Request request) {
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    routes_.handle(std::move(request), [promise](http::Response r) { promise->set_value(r); });
    if (future.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "no response within 5 s";
      return {};
    }
    return future.get();
  }

  ReceiverMetrics& metrics() { return metrics_; }
  JobWriter& writer() { return writer_; }

 private:
  static JobWriter::Options writer_options(RedisServer& redis, std::uint64_t max_queue) {
    JobWriter::Options o;
    o.batching.policy.max_queue = max_queue;
    o.client.endpoint = redis.endpoint();
    o.client.reconnect_backoff = {20ms, 200ms};
    o.keys = queue::KeySchema("patchq:");
    return o;
  }

  redis::test::IoThread io_;
  ReceiverMetrics metrics_;
  JobWriter writer_;
  WebhookRoute webhook_;
  Routes routes_;
};

http::Request get(std::string target) {
  http::Request r{bhttp::verb::get, target, 11};
  return r;
}

http::Request post(std::string target, std::string body,
                   std::string auth = std::string("Bearer ") + kToken) {
  http::Request r{bhttp::verb::post, target, 11};
  r.set(bhttp::field::content_type, "application/json");
  if (!auth.empty()) r.set(bhttp::field::authorization, auth);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

std::string field(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto at = json.find(key);
  if (at == std::string::npos) return {};
  const auto end = json.find('"', at + key.size());
  return json.substr(at + key.size(), end - at - key.size());
}

TEST(Routes, RootAnswersTheConnectivityCheckText) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(get("/"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "patchq receiver is running");
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; charset=utf-8");
}

TEST(Routes, HealthzAnswersOkWhileServing) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(get("/healthz"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
}

TEST(Routes, ReadyzIsOkOnlyWhileRedisAnswers) {
  RedisServer redis;
  Receiver receiver(redis);
  EXPECT_EQ(receiver.call(get("/readyz")).result_int(), 200);
  redis.kill();
  ASSERT_TRUE(testing::wait_until([&] { return !receiver.writer().ready(); }));
  const auto res = receiver.call(get("/readyz"));
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body(), R"({"status":"not ready","reason":"redis is unreachable"})");
}

TEST(Routes, MetricsRenderPrometheusTextWithRequestCounts) {
  RedisServer redis;
  Receiver receiver(redis);
  receiver.call(get("/healthz"));
  const auto res = receiver.call(get("/metrics"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find(R"(patchq_receiver_requests_total{route="/healthz",status="200"} 1)"),
            std::string::npos)
      << res.body();
  EXPECT_NE(res.body().find("patchq_receiver_enqueue_seconds_bucket"), std::string::npos);
}

TEST(Routes, UnknownPathIs404) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(get("/nope"));
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(), R"({"error":"no such route"})");
}

TEST(Routes, WrongMethodIs405WithAllow) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(get("/webhook"));
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::allow], "POST");
  EXPECT_EQ(res.body(), R"({"error":"method not allowed"})");
}

TEST(Webhook, QueuesTheJobAndAnswers202WithItsId) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook?target=crops", sample_payload()));
  ASSERT_EQ(res.result_int(), 202) << res.body();
  const std::string job_id = field(res.body(), "job_id");
  EXPECT_EQ(res.body(), R"({"job_id":")" + job_id + R"(","status":"queued"})");
  EXPECT_EQ(
      patchq::testing::stored_json(redis.command({"HGET", "patchq:job:" + job_id, "payload"}).str),
      sample_payload());
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + job_id, "target"}).str, "crops");
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + job_id, "item_id"}).str,
            "0192c338-5e8b-7a4c-9d0e-3f1a2b3c4d5e");
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 1);
}

TEST(Webhook, DefaultsTheTargetToTheItemsOwnDataset) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook", sample_payload()));
  ASSERT_EQ(res.result_int(), 202) << res.body();
  const std::string job_id = field(res.body(), "job_id");
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + job_id, "target"}).str, "street-scenes");
}

TEST(Webhook, ARepeatedDeliveryAnswers200WithTheOriginalJobAndQueuesNothing) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto first = receiver.call(post("/webhook?target=crops", sample_payload()));
  const auto again = receiver.call(post("/webhook?target=crops", sample_payload()));
  ASSERT_EQ(again.result_int(), 200);
  EXPECT_EQ(again.body(),
            R"({"job_id":")" + field(first.body(), "job_id") + R"(","status":"duplicate"})");
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 1);
}

TEST(Webhook, TheSamePayloadForAnotherTargetIsANewJob) {
  RedisServer redis;
  Receiver receiver(redis);
  receiver.call(post("/webhook?target=a", sample_payload()));
  EXPECT_EQ(receiver.call(post("/webhook?target=b", sample_payload())).result_int(), 202);
}

TEST(Webhook, AWebhookIdHeaderIdentifiesTheDelivery) {
  RedisServer redis;
  Receiver receiver(redis);
  auto first = post("/webhook", sample_payload());
  first.set("webhook-id", "msg_1");
  const auto a = receiver.call(first);
  ASSERT_EQ(a.result_int(), 202);
  const std::string job_id = field(a.body(), "job_id");
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + job_id, "delivery_id"}).str, "msg_1");
  // Same id, changed bytes (a re-serialised retry): still the same delivery.
  auto retry = post("/webhook", sample_payload() + " ");
  retry.set("webhook-id", "msg_1");
  const auto b = receiver.call(retry);
  EXPECT_EQ(b.result_int(), 200);
  EXPECT_EQ(field(b.body(), "job_id"), job_id);
}

TEST(Webhook, MissingTokenIs401) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook", sample_payload(), ""));
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res.body(), R"({"error":"missing or wrong Authorization token"})");
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer");
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 0);
}

TEST(Webhook, WrongTokenIs401) {
  RedisServer redis;
  Receiver receiver(redis);
  EXPECT_EQ(receiver.call(post("/webhook", sample_payload(), "Bearer nope")).result_int(), 401);
}

TEST(Webhook, TheBareTokenAsV7SendsItIsAccepted) {
  RedisServer redis;
  Receiver receiver(redis);
  EXPECT_EQ(receiver.call(post("/webhook", sample_payload(), kToken)).result_int(), 202);
}

TEST(Webhook, NoTokenConfiguredAcceptsAnyCaller) {
  RedisServer redis;
  Receiver receiver(redis, WebhookOptions{});
  EXPECT_EQ(receiver.call(post("/webhook", sample_payload(), "")).result_int(), 202);
}

TEST(Webhook, ASignatureIsRequiredWhenASecretIsConfigured) {
  RedisServer redis;
  WebhookOptions options;
  options.signature =
      *auth::WebhookSignature::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const auth::WebhookSignature signer = *options.signature;
  Receiver receiver(redis, std::move(options));
  const std::string now = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  auto unsigned_request = post("/webhook", sample_payload(), "");
  const auto refused = receiver.call(unsigned_request);
  EXPECT_EQ(refused.result_int(), 401);
  EXPECT_EQ(refused.body(),
            R"({"error":"missing webhook-id, webhook-timestamp or webhook-signature header"})");
  auto signed_request = post("/webhook", sample_payload(), "");
  signed_request.set("webhook-id", "msg_9");
  signed_request.set("webhook-timestamp", now);
  signed_request.set("webhook-signature", signer.sign("msg_9", now, sample_payload()));
  EXPECT_EQ(receiver.call(signed_request).result_int(), 202);
}

TEST(Webhook, NonJsonContentTypeIs415) {
  RedisServer redis;
  Receiver receiver(redis);
  auto req = post("/webhook", sample_payload());
  req.set(bhttp::field::content_type, "text/plain");
  const auto res = receiver.call(req);
  EXPECT_EQ(res.result_int(), 415);
  EXPECT_EQ(res.body(), R"({"error":"Content-Type must be application/json"})");
}

TEST(Webhook, JsonWithACharsetParameterIsAccepted) {
  EXPECT_TRUE(is_json_media_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type("Application/JSON"));
  EXPECT_TRUE(is_json_media_type("application/vnd.v7+json"));
  EXPECT_FALSE(is_json_media_type(""));
  EXPECT_FALSE(is_json_media_type("application/jsonp"));
}

TEST(Webhook, APayloadTheParserRefusesIs400WithItsReason) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook", R"({"version":"2.0","item":{}})"));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(res.body().starts_with(R"({"error":")")) << res.body();
  EXPECT_GT(res.body().size(), std::string(R"({"error":""})").size());
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 0);
}

TEST(Webhook, InvalidJsonIs400) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook", "{not json"));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_TRUE(res.body().starts_with(R"({"error":")"));
}

TEST(Webhook, AnInvalidTargetIs400WithTheReason) {
  RedisServer redis;
  Receiver receiver(redis);
  const auto res = receiver.call(post("/webhook?target=..%2Fetc", sample_payload()));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(), R"({"error":"target: must start with a letter, a digit or '_'"})");
}

TEST(Webhook, AFullQueueIs503WithRetryAfter) {
  RedisServer redis;
  Receiver receiver(redis, Receiver::default_options(), /*max_queue=*/1);
  ASSERT_EQ(receiver.call(post("/webhook?target=a", sample_payload())).result_int(), 202);
  const auto res = receiver.call(post("/webhook?target=b", sample_payload()));
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body(), R"({"error":"queue is full, retry later"})");
  EXPECT_EQ(res[bhttp::field::retry_after], "30");
}

TEST(Webhook, RedisDownIs503WithRetryAfter) {
  RedisServer redis;
  Receiver receiver(redis);
  redis.kill();
  ASSERT_TRUE(testing::wait_until([&] { return !receiver.writer().ready(); }));
  const auto res = receiver.call(post("/webhook", sample_payload()));
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res.body(), R"({"error":"redis is unavailable, retry later"})");
  EXPECT_EQ(res[bhttp::field::retry_after], "5");
}

int server_pid(RedisServer& redis) {
  const std::string info = redis.command({"INFO", "server"}).str;
  return std::stoi(info.substr(info.find("process_id:") + 11));
}

TEST(Webhook, TooManyBytesWaitingForRedisIs503WithRetryAfter) {
  RedisServer redis;
  WebhookOptions options = Receiver::default_options();
  options.max_pending_bytes = 1;  // one body at a time
  Receiver receiver(redis, std::move(options));
  const int pid = server_pid(redis);
  ::kill(pid, SIGSTOP);  // the first job now waits for Redis
  auto first = std::async(std::launch::async, [&] {
    return receiver.call(post("/webhook?target=a", sample_payload()));
  });
  ASSERT_TRUE(testing::wait_until([&] {
    return receiver.metrics().render().find("patchq_receiver_in_flight 1") != std::string::npos;
  }));
  const auto second = receiver.call(post("/webhook?target=b", sample_payload()));
  ::kill(pid, SIGCONT);
  EXPECT_EQ(second.result_int(), 503);
  EXPECT_EQ(second.body(), R"({"error":"too many webhooks waiting for redis, retry later"})");
  EXPECT_EQ(second[bhttp::field::retry_after], "5");
  EXPECT_EQ(first.get().result_int(), 202);
}

TEST(Webhook, RejectionsAndDedupHitsAreCounted) {
  RedisServer redis;
  Receiver receiver(redis);
  receiver.call(post("/webhook", sample_payload(), "Bearer wrong"));
  receiver.call(post("/webhook", sample_payload()));
  receiver.call(post("/webhook", sample_payload()));
  const std::string text = receiver.metrics().render();
  EXPECT_NE(text.find(R"(patchq_receiver_rejected_total{reason="unauthorized"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find("patchq_receiver_dedup_hits_total 1"), std::string::npos);
  EXPECT_NE(text.find(R"(patchq_receiver_requests_total{route="/webhook",status="202"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace patchq::receiver
