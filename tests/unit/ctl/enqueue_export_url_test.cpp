// presigned_expiry_ms: when the presigned URLs of an export stop working.
#include "services/ctl/enqueue_export_url.hpp"

#include <gtest/gtest.h>

namespace patchq::ctl {
namespace {

constexpr std::int64_t k2024Jan1 = 1704067200;  // 2024-01-01T00:00:00Z

TEST(PresignedExpiry, S3SignatureV4IsSignedAtPlusExpires) {
  EXPECT_EQ(
      presigned_expiry_ms("https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=f"),
      (k2024Jan1 + 3600) * 1000);
}

TEST(PresignedExpiry, ParameterNamesAreCaseInsensitive) {
  EXPECT_EQ(presigned_expiry_ms("https://h/k?x-amz-date=20240101T000000Z&x-amz-expires=60"),
            (k2024Jan1 + 60) * 1000);
}

TEST(PresignedExpiry, GcsV4UsesItsOwnNames) {
  EXPECT_EQ(presigned_expiry_ms("https://storage.googleapis.com/b/k?X-Goog-Date=20240101T000000Z"
                                "&X-Goog-Expires=900&X-Goog-Signature=ab"),
            (k2024Jan1 + 900) * 1000);
}

TEST(PresignedExpiry, AzureSasExpiryIsPercentDecoded) {
  EXPECT_EQ(presigned_expiry_ms("https://a.blob.core.windows.net/c/k?sv=2022-11-02"
                                "&se=2024-01-01T00%3A10%3A00Z&sr=b&sp=r&sig=abc%3D"),
            (k2024Jan1 + 600) * 1000);
}

TEST(PresignedExpiry, OlderExpiresIsUnixSeconds) {
  EXPECT_EQ(presigned_expiry_ms("https://d.cloudfront.net/k?Expires=1704067200&Signature=x"),
            k2024Jan1 * 1000);
}

TEST(PresignedExpiry, UrlsWithoutAnExpiryHaveNone) {
  EXPECT_EQ(presigned_expiry_ms("https://darwin.v7labs.com/api/v2/teams/t/uploads/u"),
            std::nullopt);
  EXPECT_EQ(presigned_expiry_ms("https://h/k?se=2024-01-01"), std::nullopt);  // no sig: not SAS
  EXPECT_EQ(presigned_expiry_ms("https://h/k?X-Amz-Date=garbage&X-Amz-Expires=60"), std::nullopt);
  EXPECT_EQ(presigned_expiry_ms("https://h/k#Expires=1"), std::nullopt);
}

}  // namespace
}  // namespace patchq::ctl
