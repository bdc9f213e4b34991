// Every status code the receiver answers, over real HTTP from the real binary, body asserted.
#include <gtest/gtest.h>

#include "tests/integration/receiver/receiver_process.hpp"
#include "tests/support/stored_payload.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

namespace patchq::testing {
namespace {

using namespace std::chrono_literals;

class ReceiverStatus : public ::testing::Test {
 protected:
  RedisServer redis;
};

TEST_F(ReceiverStatus, RootIs200WithTheConnectivityText) {
  ReceiverProcess receiver(redis);
  const auto r = http_get(receiver.port(), "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "patchq receiver is running");
}

TEST_F(ReceiverStatus, HealthzIs200) {
  ReceiverProcess receiver(redis);
  const auto r = http_get(receiver.port(), "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(ReceiverStatus, ReadyzIs200WhileRedisAnswersAnd503WhenItDoesNot) {
  ReceiverProcess receiver(redis);
  EXPECT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  redis.kill();
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 503; }));
  EXPECT_EQ(http_get(receiver.port(), "/readyz").body,
            R"({"status":"not ready","reason":"redis is unreachable"})");
}

TEST_F(ReceiverStatus, MetricsIsPrometheusText) {
  ReceiverProcess receiver(redis);
  http_get(receiver.port(), "/healthz");
  const auto r = http_get(receiver.port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find(R"(patchq_receiver_requests_total{route="/healthz",status="200"} )"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("# TYPE patchq_receiver_enqueue_seconds histogram"), std::string::npos);
}

TEST_F(ReceiverStatus, WebhookIs202WithTheJobIdOnceStored) {
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  const auto r = post_webhook(receiver.port(), unique_payload(1), "?target=crops");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = job_id_of(r.body);
  EXPECT_EQ(r.body, R"({"job_id":")" + id + R"(","status":"queued"})");
  EXPECT_EQ(
      patchq::testing::stored_json(redis.command({"HGET", "patchq:job:" + id, "payload"}).str),
      unique_payload(1));
  const auto entries = redis.command({"XRANGE", "patchq:jobs", "-", "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  EXPECT_EQ(entries.elements[0].elements[1].elements[1].str, id);
}

TEST_F(ReceiverStatus, ARepeatedDeliveryIs200WithTheOriginalJobId) {
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  const auto first = post_webhook(receiver.port(), unique_payload(1));
  const auto again = post_webhook(receiver.port(), unique_payload(1));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, R"({"job_id":")" + job_id_of(first.body) + R"(","status":"duplicate"})");
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 1);
}

TEST_F(ReceiverStatus, WrongTokenIs401) {
  ReceiverProcess receiver(redis);
  const auto r = http_post(receiver.port(), "/webhook", unique_payload(1),
                           {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"error":"missing or wrong Authorization token"})");
}

TEST_F(ReceiverStatus, NonJsonIs415) {
  ReceiverProcess receiver(redis);
  const auto r = http_post(
      receiver.port(), "/webhook", unique_payload(1),
      {{"Authorization", std::string("Bearer ") + kReceiverToken}, {"Content-Type", "text/xml"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.body, R"({"error":"Content-Type must be application/json"})");
}

TEST_F(ReceiverStatus, APayloadTheParserRefusesIs400WithTheReason) {
  ReceiverProcess receiver(redis);
  const auto r = post_webhook(receiver.port(), R"({"files": "nope"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.body.starts_with(R"({"error":")")) << r.body;
  EXPECT_NE(r.body.find("files"), std::string::npos) << r.body;
}

TEST_F(ReceiverStatus, AVideoItemIs200SkippedWithItsReasonAndRecordedNotQueued) {
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  std::string video = unique_payload(7);
  const auto type = video.find(R"("type": "image")");
  ASSERT_NE(type, std::string::npos);
  video.replace(type, 15, R"("type": "video")");
  const auto r = post_webhook(receiver.port(), video, "?target=crops");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string id = job_id_of(r.body);
  const std::string reason =
      "the item has no image slot (slot types: \"video\"); patchq cuts image slots only";
  EXPECT_EQ(r.body, R"({"job_id":")" + id +
                        R"(","status":"skipped","reason":"the item has no image slot (slot )"
                        R"(types: \"video\"); patchq cuts image slots only"})");
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + id, "status"}).str, "skipped");
  EXPECT_EQ(redis.command({"HGET", "patchq:job:" + id, "note"}).str, reason);
  EXPECT_GT(redis.command({"PTTL", "patchq:job:" + id}).integer, 0);
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 0);
  // V7 retrying the same delivery gets the same answer's job, still nothing queued.
  const auto again = post_webhook(receiver.port(), video, "?target=crops");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(job_id_of(again.body), id);
  EXPECT_EQ(redis.command({"XLEN", "patchq:jobs"}).integer, 0);
  EXPECT_NE(http_get(receiver.port(), "/metrics").body.find("patchq_receiver_skipped_total 1"),
            std::string::npos);
}

TEST_F(ReceiverStatus, AMalformedNonPatchAnnotationIsStill202) {
  ReceiverProcess receiver(redis);
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  std::string payload = unique_payload(8);
  const auto car = payload.find(R"("name": "car")");
  ASSERT_NE(car, std::string::npos);
  payload.insert(car, R"("keypoint": {"x": null}, )");
  const auto r = post_webhook(receiver.port(), payload, "?target=crops");
  EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(ReceiverStatus, AnInvalidTargetIs400) {
  ReceiverProcess receiver(redis);
  const auto r = post_webhook(receiver.port(), unique_payload(1), "?target=a%20b");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"target: only letters, digits, '-', '_' and '.' are allowed"})");
}

TEST_F(ReceiverStatus, ABodyOverTheLimitIs413) {
  ReceiverProcess receiver(redis, {"--max-body", "1KiB"});
  const auto r = post_webhook(receiver.port(), unique_payload(1));  // ~2 KiB
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, R"({"error":"request body too large"})");
  // Answered by the HTTP layer before routing, and still counted.
  const auto metrics = http_get(receiver.port(), "/metrics").body;
  EXPECT_NE(metrics.find(R"(patchq_receiver_requests_total{route="/webhook",status="413"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(patchq_receiver_rejected_total{reason="body_too_large"} 1)"),
            std::string::npos)
      << metrics;
}

TEST_F(ReceiverStatus, WrongMethodIs405) {
  ReceiverProcess receiver(redis);
  const auto r = http_get(receiver.port(), "/webhook");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.at("allow"), "POST");
  EXPECT_EQ(r.body, R"({"error":"method not allowed"})");
}

TEST_F(ReceiverStatus, UnknownPathIs404) {
  ReceiverProcess receiver(redis);
  const auto r = http_get(receiver.port(), "/admin");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"no such route"})");
}

TEST_F(ReceiverStatus, AFullQueueIs503WithRetryAfter) {
  ReceiverProcess receiver(redis, {"--max-queue", "1"});
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 200; }));
  ASSERT_EQ(post_webhook(receiver.port(), unique_payload(1)).status, 202);
  const auto r = post_webhook(receiver.port(), unique_payload(2));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.at("retry-after"), "30");
  EXPECT_EQ(r.body, R"({"error":"queue is full, retry later"})");
}

TEST_F(ReceiverStatus, RedisDownIs503WithRetryAfter) {
  ReceiverProcess receiver(redis);
  redis.kill();
  ASSERT_TRUE(wait_until([&] { return http_get(receiver.port(), "/readyz").status == 503; }));
  const auto r = post_webhook(receiver.port(), unique_payload(1));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.at("retry-after"), "5");
  EXPECT_EQ(r.body, R"({"error":"redis is unavailable, retry later"})");
}

TEST(ReceiverStart, RefusesToStartWithoutATokenAndSaysWhy) {
  RedisServer redis;
  ChildProcess receiver(
      binary_path("patchq-receiver"),
      {"--listen", "127.0.0.1:" + std::to_string(free_port()), "--redis", redis.url()});
  ASSERT_TRUE(receiver.wait_exit(10s).has_value());
  EXPECT_EQ(receiver.exit_code(), 2);
  EXPECT_NE(receiver.stderr_text().find("refusing to start without webhook authentication"),
            std::string::npos)
      << receiver.stderr_text();
}

TEST(ReceiverStart, HelpDocumentsTheFlags) {
  ChildProcess receiver(binary_path("patchq-receiver"), {"--help"});
  ASSERT_TRUE(receiver.wait_exit(10s).has_value());
  EXPECT_EQ(receiver.exit_code(), 0);
  for (const char* flag : {"--listen", "--threads", "--redis", "--prefix", "--webhook-token",
                           "--max-body", "--max-queue", "--insecure-no-auth"}) {
    EXPECT_NE(receiver.stdout_text().find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace patchq::testing
