// scrub_secrets and redact_url_query: SAS signatures and configured secrets never survive.
#include "common/storage/secret_scrub.hpp"

#include <gtest/gtest.h>

namespace patchq::storage {
namespace {

TEST(SecretScrub, RemovesEveryConfiguredSecret) {
  EXPECT_EQ(scrub_secrets("key K1 and again K1, token T", {"K1", "T", ""}),
            "key <redacted> and again <redacted>, token <redacted>");
}

TEST(SecretScrub, RemovesASasSignatureInAnyCaseAndEncoding) {
  EXPECT_EQ(scrub_secrets("GET /c/b?sv=2020&sig=ab%2Bc%3D&se=x failed", {}),
            "GET /c/b?sv=2020&sig=<redacted>&se=x failed");
  EXPECT_EQ(scrub_secrets("<Url>...&SIG=zz</Url>", {}), "<Url>...&SIG=<redacted></Url>");
  EXPECT_EQ(scrub_secrets("sig=first", {}), "sig=<redacted>");
}

TEST(SecretScrub, LeavesWordsThatOnlyEndInSig) {
  EXPECT_EQ(scrub_secrets("xsig=1 config", {}), "xsig=1 config");
}

TEST(SecretScrub, RemovesTheWholeSasQueryWhenItIsConfigured) {
  const std::string sas = "sv=2020-12-06&sr=c&sp=racwl&sig=abc";
  EXPECT_EQ(scrub_secrets("url https://a/c?" + sas + " refused", {sas}),
            "url https://a/c?<redacted> refused");
}

TEST(SecretScrub, RedactsAUrlQuery) {
  EXPECT_EQ(redact_url_query("https://a.blob.core.windows.net/c?sv=1&sig=2"),
            "https://a.blob.core.windows.net/c?<redacted>");
  EXPECT_EQ(redact_url_query("s3://bucket/p"), "s3://bucket/p");
}

}  // namespace
}  // namespace patchq::storage
