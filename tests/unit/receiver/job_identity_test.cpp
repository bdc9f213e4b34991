// Job ids (UUIDv7) and delivery hashes.
#include "services/receiver/job_identity.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace patchq::receiver {
namespace {

using namespace std::chrono_literals;

TEST(JobId, IsAVersion7UuidInCanonicalForm) {
  const std::string id = new_job_id();
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
}

TEST(JobId, CarriesTheCreationTimeInItsFirst48Bits) {
  const auto t = std::chrono::system_clock::time_point(1700000000123ms);
  const std::string id = new_job_id(t);
  const std::string hex = id.substr(0, 8) + id.substr(9, 4);
  EXPECT_EQ(std::stoull(hex, nullptr, 16), 1700000000123ull);
}

TEST(JobId, SortsByCreationTime) {
  const auto t = std::chrono::system_clock::now();
  EXPECT_LT(new_job_id(t), new_job_id(t + 1ms));
}

TEST(JobId, IsUniqueWithinTheSameMillisecond) {
  const auto t = std::chrono::system_clock::now();
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(new_job_id(t));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(DeliveryHash, IsStableForTheSameDelivery) {
  EXPECT_EQ(delivery_hash("item", "target", "{}"), delivery_hash("item", "target", "{}"));
  EXPECT_EQ(delivery_hash("item", "target", "{}").size(), 64u);
}

TEST(DeliveryHash, DiffersWhenAnyPartDiffers) {
  const std::string base = delivery_hash("item", "target", "{}");
  EXPECT_NE(base, delivery_hash("item2", "target", "{}"));
  EXPECT_NE(base, delivery_hash("item", "target2", "{}"));
  EXPECT_NE(base, delivery_hash("item", "target", "{ }"));
}

TEST(DeliveryHash, DoesNotConfuseWhereOneFieldEndsAndTheNextBegins) {
  EXPECT_NE(delivery_hash("ab", "c", "{}"), delivery_hash("a", "bc", "{}"));
}

TEST(DeliveryHash, OfAWebhookIdDependsOnTheIdAndTarget) {
  EXPECT_EQ(delivery_hash_of_webhook_id("msg_1", "t"), delivery_hash_of_webhook_id("msg_1", "t"));
  EXPECT_NE(delivery_hash_of_webhook_id("msg_1", "t"), delivery_hash_of_webhook_id("msg_2", "t"));
  EXPECT_NE(delivery_hash_of_webhook_id("msg_1", "t"), delivery_hash_of_webhook_id("msg_1", "u"));
}

}  // namespace
}  // namespace patchq::receiver
