#include "common/v7/error_classification.hpp"

#include <gtest/gtest.h>

namespace patchq::v7 {
namespace {

using namespace std::chrono_literals;

net::HttpResponse response(int status, std::string body = {}, net::Headers headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(ErrorClassification, TransientStatusesAreRetryable) {
  for (int status : {408, 425, 429, 500, 502, 503, 504}) {
    EXPECT_TRUE(classify_response(response(status), "call").retryable()) << status;
  }
}

TEST(ErrorClassification, ClientErrorsArePermanent) {
  for (int status : {400, 401, 403, 404, 409, 422, 304}) {
    const auto error = classify_response(response(status), "call");
    EXPECT_FALSE(error.retryable()) << status;
    EXPECT_EQ(error.http_status, status);
  }
}

TEST(ErrorClassification, InsufficientStorage429IsPermanent) {
  const auto error = classify_response(
      response(429, R"({"errors":{"code":"INSUFFICIENT_REMAINING_STORAGE"}})"), "upload");
  EXPECT_FALSE(error.retryable());
  EXPECT_NE(error.reason.find("INSUFFICIENT_REMAINING_STORAGE"), std::string::npos);
}

TEST(ErrorClassification, RetryAfterSecondsSurfaceInTheError) {
  const auto error = classify_response(response(429, "", {{"retry-after", "7"}}), "call");
  EXPECT_TRUE(error.retryable());
  EXPECT_EQ(error.retry_after, 7s);
}

TEST(ErrorClassification, RetryAfterHttpDateSurfacesInTheError) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);
  const auto error = classify_response(
      response(503, "", {{"retry-after", "Wed, 21 Oct 2015 07:29:00 GMT"}}), "call", now);
  EXPECT_EQ(error.retry_after, 60s);
}

TEST(ErrorClassification, ReasonNamesTheCallAndStatusWithAShortExcerpt) {
  const auto error = classify_response(response(404, std::string(1000, 'x') + "\n"), "sign");
  EXPECT_EQ(error.reason.rfind("sign: HTTP 404: ", 0), 0u);
  EXPECT_LT(error.reason.size(), 260u);
}

TEST(ErrorClassification, NetworkFailuresAreRetryable) {
  using K = net::TransportError::Kind;
  for (auto kind : {K::timeout, K::dns, K::connect, K::network}) {
    EXPECT_TRUE(classify_transport({kind, "x"}, "fetch").retryable());
  }
}

TEST(ErrorClassification, RefusalsThatRetryingCannotChangeArePermanent) {
  using K = net::TransportError::Kind;
  for (auto kind : {K::bad_url, K::host_not_allowed, K::address_refused, K::too_large,
                    K::too_many_redirects, K::bad_redirect, K::tls}) {
    EXPECT_FALSE(classify_transport({kind, "x"}, "fetch").retryable());
  }
}

TEST(ErrorClassification, ScrubsTheSecretWhereverItAppears) {
  EXPECT_EQ(scrub_secret("key k3y and k3y again", "k3y"), "key *** and *** again");
  EXPECT_EQ(scrub_secret("nothing", ""), "nothing");
}

}  // namespace
}  // namespace patchq::v7
