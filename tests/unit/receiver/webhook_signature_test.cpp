// Standard Webhooks signatures: a valid one passes; tampering, replay and malformed input fail.
#include "common/auth/webhook_signature.hpp"

#include <gtest/gtest.h>

#include "common/codec/base64.hpp"

namespace patchq::auth {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

// The Standard Webhooks specification's own example secret.
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

system_clock::time_point at(long long unix_seconds) {
  return system_clock::time_point(std::chrono::seconds(unix_seconds));
}

WebhookSignature signer() {
  return *WebhookSignature::from_secret(kSecret);
}

TEST(WebhookSignature, MatchesTheSpecificationsExampleSignature) {
  const auto s = signer();
  EXPECT_EQ(s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, AcceptsAValidSignatureWithinTheTolerance) {
  const auto s = signer();
  const std::string sig = s.sign("msg_1", "1700000000", "{}");
  EXPECT_TRUE(s.verify("msg_1", "1700000000", sig, "{}", at(1700000000 + 299)));
  EXPECT_TRUE(s.verify("msg_1", "1700000000", sig, "{}", at(1700000000 - 299)));
}

TEST(WebhookSignature, RefusesATamperedBody) {
  const auto s = signer();
  const std::string sig = s.sign("msg_1", "1700000000", R"({"a":1})");
  const auto verified = s.verify("msg_1", "1700000000", sig, R"({"a":2})", at(1700000000));
  ASSERT_FALSE(verified);
  EXPECT_NE(verified.error().reason.find("does not match"), std::string::npos);
}

TEST(WebhookSignature, RefusesTimestampsMoreThanFiveMinutesAway) {
  const auto s = signer();
  const std::string sig = s.sign("msg_1", "1700000000", "{}");
  EXPECT_FALSE(s.verify("msg_1", "1700000000", sig, "{}", at(1700000000 + 301)));
  EXPECT_FALSE(s.verify("msg_1", "1700000000", sig, "{}", at(1700000000 - 301)));
}

TEST(WebhookSignature, AcceptsWhenAnyOfSeveralSignaturesMatches) {
  const auto s = signer();
  const std::string good = s.sign("msg_1", "1700000000", "{}");
  const std::string list = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,xyz " + good;
  EXPECT_TRUE(s.verify("msg_1", "1700000000", list, "{}", at(1700000000)));
}

TEST(WebhookSignature, RefusesMissingHeadersAndMalformedTimestamps) {
  const auto s = signer();
  EXPECT_FALSE(s.verify("", "1700000000", "v1,x", "{}", at(1700000000)));
  EXPECT_FALSE(s.verify("msg", "", "v1,x", "{}", at(1700000000)));
  EXPECT_FALSE(s.verify("msg", "1700000000", "", "{}", at(1700000000)));
  EXPECT_FALSE(s.verify("msg", "17e8", "v1,x", "{}", at(1700000000)));
}

TEST(WebhookSignature, RefusesASecretThatIsNotBase64) {
  const auto not_base64 = WebhookSignature::from_secret("whsec_not base64!");
  EXPECT_FALSE(not_base64);
  EXPECT_FALSE(not_base64.error().reason.empty());
  EXPECT_FALSE(WebhookSignature::from_secret("whsec_"));
}

TEST(Base64, RoundTripsWithPadding) {
  for (std::string text : {"", "a", "ab", "abc", "abcd"}) {
    const auto encoded = codec::base64_encode(text);
    const auto decoded = codec::base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, text);
  }
}

}  // namespace
}  // namespace patchq::auth
