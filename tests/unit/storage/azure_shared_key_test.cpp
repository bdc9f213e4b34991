// Azure Shared Key: the string-to-sign layout for Blob requests (azurite verifies the
// signatures end to end in tests/integration/storage).
#include "common/storage/azure_shared_key.hpp"

#include <gtest/gtest.h>

namespace patchq::storage {
namespace {

TEST(AzureSharedKey, StringToSignOfAPutBlob) {
  const net::Headers headers = {{"x-ms-version", "2021-08-06"},
                                {"Content-Type", "image/png"},
                                {"X-Ms-Date", "Tue, 01 Dec 2026 09:00:00 GMT"},
                                {"x-ms-blob-type", "BlockBlob"}};
  const SharedKeyRequest request{"PUT", "/tiles/run%201/a.png", {}, &headers, 12};
  EXPECT_EQ(shared_key_string_to_sign("acct", request),
            "PUT\n\n\n12\n\nimage/png\n\n\n\n\n\n\n"
            "x-ms-blob-type:BlockBlob\n"
            "x-ms-date:Tue, 01 Dec 2026 09:00:00 GMT\n"
            "x-ms-version:2021-08-06\n"
            "/acct/tiles/run%201/a.png");
}

TEST(AzureSharedKey, AZeroLengthSignsAsEmptyAndTheQueryIsSortedAndLowerCased) {
  const net::Headers headers = {{"x-ms-version", "2021-08-06"}};
  const SharedKeyRequest request{
      "GET", "/devstoreaccount1/tiles", {{"restype", "container"}, {"Comp", "list"}}, &headers, 0};
  EXPECT_EQ(shared_key_string_to_sign("devstoreaccount1", request),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-version:2021-08-06\n"
            "/devstoreaccount1/devstoreaccount1/tiles\ncomp:list\nrestype:container");
}

TEST(AzureSharedKey, AuthorizationNamesTheAccountAndCarriesABase64Mac) {
  const net::Headers headers;
  const SharedKeyRequest request{"GET", "/c/b", {}, &headers, 0};
  const std::vector<unsigned char> key = {1, 2, 3, 4};
  const std::string authorization = shared_key_authorization("acct", key, request);
  EXPECT_TRUE(authorization.starts_with("SharedKey acct:")) << authorization;
  EXPECT_EQ(authorization.size(), std::string("SharedKey acct:").size() + 44);  // 32 bytes
  EXPECT_EQ(authorization, shared_key_authorization("acct", key, request));
}

TEST(AzureSharedKey, HmacMatchesRfc4231TestCase2) {
  const std::string key = "Jefe";
  EXPECT_EQ(hmac_sha256_base64({key.begin(), key.end()}, "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

}  // namespace
}  // namespace patchq::storage
