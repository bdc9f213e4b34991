// Payload codec: round trips, plain JSON passes through, hostile frames are refused.
#include "common/queue/payload_codec.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace patchq::queue {
namespace {

std::string sample_payload() {
  std::ifstream in(std::string(PATCHQ_SOURCE_DIR) + "/tests/data/v7/webhook_v2.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PayloadCodec, RoundTripsTheSamplePayloadAndShrinksIt) {
  const std::string json = sample_payload();
  ASSERT_GT(json.size(), 1000u);
  const std::string stored = encode_payload(json);
  EXPECT_TRUE(is_encoded_payload(stored));
  EXPECT_LT(stored.size() * 2, json.size()) << "V7 payloads compress at least 2x";
  const auto decoded = decode_payload(stored, kMaxDecodedPayloadBytes);
  ASSERT_TRUE(decoded) << decoded.error().reason;
  EXPECT_EQ(*decoded, json);
}

TEST(PayloadCodec, EmptyAndBinaryBodiesRoundTrip) {
  for (const std::string& body : {std::string(), std::string("\0\x01\xff{", 4)}) {
    const auto decoded = decode_payload(encode_payload(body), 1024);
    ASSERT_TRUE(decoded) << decoded.error().reason;
    EXPECT_EQ(*decoded, body);
  }
}

TEST(PayloadCodec, PlainJsonIsTakenAsIs) {
  const std::string json = R"({"item":{"id":"abc"}})";
  EXPECT_FALSE(is_encoded_payload(json));
  const auto decoded = decode_payload(json, 16);  // the bound applies to frames only
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, json);
}

TEST(PayloadCodec, AFrameLargerThanTheBoundIsRefused) {
  const std::string stored = encode_payload(std::string(100000, 'x'));
  EXPECT_LT(stored.size(), 1000u);
  const auto decoded = decode_payload(stored, 99999);
  ASSERT_FALSE(decoded);  // and so no partial JSON
  EXPECT_NE(decoded.error().reason.find("more than 99999 bytes"), std::string::npos)
      << decoded.error().reason;
  EXPECT_TRUE(decode_payload(stored, 100000));
}

TEST(PayloadCodec, ACorruptFrameIsRefusedWithAReason) {
  std::string stored = encode_payload(sample_payload());
  stored.resize(stored.size() - 3);  // truncated
  const auto truncated = decode_payload(stored, kMaxDecodedPayloadBytes);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().reason.find("stored payload"), std::string::npos)
      << truncated.error().reason;
  const auto garbage = decode_payload(std::string("\x28\xb5\x2f\xfd garbage", 12), 1024);
  ASSERT_FALSE(garbage);
  EXPECT_FALSE(garbage.error().reason.empty());
}

}  // namespace
}  // namespace patchq::queue
