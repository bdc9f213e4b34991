#include "common/net/url.hpp"

#include <gtest/gtest.h>

namespace patchq::net {
namespace {

TEST(Url, ParsesSchemeHostAndDefaultPort) {
  auto url = Url::parse("https://Darwin.V7Labs.com/api/x?y=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme(), "https");
  EXPECT_EQ(url->host(), "darwin.v7labs.com");
  EXPECT_EQ(url->port(), 443);
  EXPECT_EQ(url->origin(), "https://darwin.v7labs.com:443");
}

TEST(Url, ExplicitDefaultPortGivesTheSameOrigin) {
  EXPECT_EQ(Url::parse("https://a.com:443/x")->origin(), Url::parse("https://a.com/y")->origin());
  EXPECT_NE(Url::parse("http://a.com/x")->origin(), Url::parse("https://a.com/x")->origin());
  EXPECT_NE(Url::parse("https://a.com:8443/")->origin(), Url::parse("https://a.com/")->origin());
}

TEST(Url, RefusesNonHttpSchemesAndRelativeText) {
  const auto file = Url::parse("file:///etc/passwd");
  EXPECT_FALSE(file);
  EXPECT_FALSE(file.error().reason.empty());
  EXPECT_FALSE(Url::parse("ftp://a.com/x"));
  EXPECT_FALSE(Url::parse("/just/a/path"));
  EXPECT_FALSE(Url::parse("https://a.com/\r\nX-Injected: 1"));
}

TEST(Url, RefusesUserInfoInTheUrl) {
  EXPECT_FALSE(Url::parse("https://user:secret@a.com/x"));
}

// Found by fuzz_url_host: port 0 passed as a server's port, and a redirect could name it.
TEST(Url, RefusesPortZeroInTheUrlAndInARedirect) {
  const auto direct = Url::parse("http://203.0.113.9:0/");
  ASSERT_FALSE(direct);
  EXPECT_NE(direct.error().reason.find("port"), std::string::npos) << direct.error().reason;
  const auto base = Url::parse("https://198.51.100.7:65535/");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->port(), 65535);
  EXPECT_FALSE(base->resolve("http://203.0.113.9:0/"));
}

TEST(Url, RefusesAHostThatDecodesToAControlCharacter) {
  // libcurl turns %7f into DEL and would then refuse the URL it printed for it.
  const auto refused = Url::parse("http://0%7f.h1");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().reason.find("control character"), std::string::npos);
  EXPECT_TRUE(Url::parse("http://caf%C3%A9.example/x").ok());  // a UTF-8 name is not one
}

TEST(Url, KeepsIpv6HostsWithoutBrackets) {
  auto url = Url::parse("http://[::1]:8080/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host(), "::1");
  EXPECT_EQ(url->origin(), "http://[::1]:8080");
}

TEST(Url, ResolvesAbsoluteAndRelativeRedirectLocations) {
  auto base = Url::parse("https://api.test/api/v2/files/1?sig=abc");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->resolve("https://storage.test/b/k")->text(), "https://storage.test/b/k");
  EXPECT_EQ(base->resolve("/other")->text(), "https://api.test/other");
  EXPECT_EQ(base->resolve("sibling")->text(), "https://api.test/api/v2/files/sibling");
  EXPECT_EQ(base->resolve("//cdn.test/x")->text(), "https://cdn.test/x");
  EXPECT_FALSE(base->resolve("ftp://x.test/"));
}

TEST(Url, RedactedFormDropsTheQueryString) {
  auto url = Url::parse("https://bucket.s3.amazonaws.com/k/t.png?X-Amz-Signature=secret");
  EXPECT_EQ(url->redacted(), "https://bucket.s3.amazonaws.com/k/t.png");
  EXPECT_EQ(Url::parse("http://h.test:8080/p?q")->redacted(), "http://h.test:8080/p");
}

TEST(Url, EncodesPathSegments) {
  EXPECT_EQ(encode_path_segment("my-team_1.x~"), "my-team_1.x~");
  EXPECT_EQ(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
}

}  // namespace
}  // namespace patchq::net
