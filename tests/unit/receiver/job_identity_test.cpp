// Delivery hashes.
#include "common/queue/job_identity.hpp"

#include <gtest/gtest.h>

namespace patchq::queue {
namespace {

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
}  // namespace patchq::queue
