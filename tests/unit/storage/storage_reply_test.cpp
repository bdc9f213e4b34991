// Classification of storage failures (retryable or permanent), the error code and hint in the
// reason, and scrubbing: against S3Store and AzureStore talking to a scripted loopback server
// that answers what real services answer.
#include "common/storage/storage_reply.hpp"

#include <gtest/gtest.h>

#include "common/net/http_client.hpp"
#include "common/storage/object_store.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::testing {
namespace {

using storage::StorageError;

constexpr const char* kSecret = "SECRET-ACCESS-KEY-VALUE";

net::HttpClient loopback_client() {
  net::HttpClientOptions options;
  options.rules = net::HostRules({}, /*allow_private=*/true);
  return net::HttpClient(options);
}

std::string s3_error(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" + message +
         "</Message></Error>";
}

std::unique_ptr<storage::ObjectStore> s3_store_at(const ScriptedServer& server) {
  storage::StorageConfig config;
  config.url = "s3://bucket/p";
  config.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  config.slug = "s";
  config.aws_access_key_id = "AKID";
  config.aws_secret_access_key = kSecret;
  return std::move(*storage::ObjectStore::open(config));
}

StorageError put_error(int status, const std::string& body) {
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(status, body));
  });
  auto http = loopback_client();
  auto store = s3_store_at(server);
  auto put = store->put(http, "p/a.png", "x", "image/png");
  EXPECT_FALSE(put.ok());
  return put.ok() ? StorageError{} : put.error();
}

TEST(StorageReply, ASignatureMismatchIsPermanentNamesTheSecretVariableAndHidesTheSecret) {
  auto error = put_error(
      403, s3_error("SignatureDoesNotMatch", std::string("computed with ") + kSecret + " differs"));
  EXPECT_FALSE(error.retryable());
  EXPECT_EQ(error.http_status, 403);
  EXPECT_EQ(error.reason,
            "S3 PUT bucket/p/a.png: 403 SignatureDoesNotMatch — check AWS_SECRET_ACCESS_KEY "
            "(computed with <redacted> differs)");
}

TEST(StorageReply, RetryableStatuses) {
  for (int status : {408, 425, 429, 500, 502, 503, 504}) {
    auto error = put_error(status, s3_error("SlowDown", "Reduce your request rate."));
    EXPECT_TRUE(error.retryable()) << status;
    EXPECT_EQ(error.http_status, status);
  }
}

TEST(StorageReply, PermanentStatusesWithTheirHints) {
  EXPECT_EQ(put_error(400, s3_error("InvalidRequest", "bad")).reason,
            "S3 PUT bucket/p/a.png: 400 InvalidRequest (bad)");
  EXPECT_EQ(put_error(401, "").reason, "S3 PUT bucket/p/a.png: 401");
  EXPECT_EQ(put_error(403, s3_error("AccessDenied", "Access Denied")).reason,
            "S3 PUT bucket/p/a.png: 403 AccessDenied — the credentials lack permission for this "
            "bucket and prefix (Access Denied)");
  EXPECT_EQ(put_error(400, s3_error("AuthorizationHeaderMalformed", "region")).reason,
            "S3 PUT bucket/p/a.png: 400 AuthorizationHeaderMalformed — the bucket is in another "
            "region: check AWS_REGION (region)");
  EXPECT_EQ(put_error(400, s3_error("ExpiredToken", "expired")).reason,
            "S3 PUT bucket/p/a.png: 400 ExpiredToken — check AWS_SESSION_TOKEN (temporary "
            "credentials expire) (expired)");
  for (int status : {400, 401, 403, 404, 409, 411}) {
    EXPECT_FALSE(put_error(status, "").retryable()) << status;
  }
}

// S3 answers a request sent to another region's endpoint with 301 and no Location, naming the
// bucket's region in x-amz-bucket-region: the reason names it and what to set.
TEST(StorageReply, ARegionRedirectWithoutLocationNamesTheBucketsRegion) {
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(301,
                                  s3_error("PermanentRedirect",
                                           "The bucket you are attempting to access must be "
                                           "addressed using the specified endpoint."),
                                  {{"x-amz-bucket-region", "eu-west-1"}}));
  });
  auto http = loopback_client();
  auto store = s3_store_at(server);
  auto put = store->put(http, "p/a.png", "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 301);
  EXPECT_EQ(put.error().reason,
            "S3 PUT bucket/p/a.png: 301 — the bucket is in region eu-west-1, not us-east-1: set "
            "AWS_REGION=eu-west-1 (--storage-region)");
  auto check = store->check(http);  // what the worker runs at start
  ASSERT_FALSE(check.ok());
  EXPECT_NE(check.error().reason.find("in region eu-west-1"), std::string::npos)
      << check.error().reason;
}

TEST(StorageReply, ASigningRegionMismatchNamesTheRegionFromTheBody) {
  const auto error = put_error(
      400,
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is "
      "wrong; expecting 'ap-southeast-2'</Message><Region>ap-southeast-2</Region></Error>");
  EXPECT_FALSE(error.retryable());
  EXPECT_EQ(error.reason,
            "S3 PUT bucket/p/a.png: 400 — the bucket is in region ap-southeast-2, not us-east-1: "
            "set AWS_REGION=ap-southeast-2 (--storage-region)");
}

TEST(StorageReply, ARegionHeaderThatIsNoRegionNameIsNotQuoted) {
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(301, "", {{"x-amz-bucket-region", "<b>evil</b> set X=1"}}));
  });
  auto http = loopback_client();
  auto put = s3_store_at(server)->put(http, "p/a.png", "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().reason,
            "S3 PUT bucket/p/a.png: 301 — the bucket is in another region: check AWS_REGION");
}

// A signed request is never re-sent to another host (the signature is bound to its origin):
// the redirect is the answer, reported with what to check.
TEST(StorageReply, ARedirectWithALocationIsNotFollowed) {
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(307, "", {{"Location", "http://127.0.0.1:1/elsewhere"}}));
  });
  auto http = loopback_client();
  auto put = s3_store_at(server)->put(http, "p/a.png", "x", "image/png");
  ASSERT_FALSE(put.ok());
  EXPECT_FALSE(put.error().retryable());
  EXPECT_EQ(put.error().http_status, 307);
  EXPECT_NE(put.error().reason.find("307 — the storage redirected the request"), std::string::npos)
      << put.error().reason;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(StorageReply, TransportFailuresAreClassifiedByKind) {
  using K = net::TransportError::Kind;
  const storage::ReplyContext context{"S3 PUT b/k", nullptr, {"hidden"}};
  for (K kind : {K::timeout, K::dns, K::connect, K::network}) {
    EXPECT_TRUE(storage::transport_failure({kind, "x"}, context).retryable())
        << net::to_string(kind);
  }
  for (K kind : {K::bad_url, K::host_not_allowed, K::address_refused, K::too_large,
                 K::too_many_redirects, K::bad_redirect, K::tls}) {
    EXPECT_FALSE(storage::transport_failure({kind, "x"}, context).retryable())
        << net::to_string(kind);
  }
  EXPECT_EQ(storage::transport_failure({K::connect, "refused at hidden?sig=abc"}, context).reason,
            "S3 PUT b/k: refused at <redacted>?sig=<redacted>");
}

TEST(StorageReply, AzureErrorCodeFromTheHeaderWhenTheBodyHasNone) {
  const std::string sas = "sv=2020-12-06&sr=c&sp=racwl&sig=SIGVALUE";
  ScriptedServer server([&](const RecordedRequest& request, ScriptedConnection& c) {
    // A reply that echoes the request target, SAS included, as some proxies do.
    c.write(ScriptedServer::reply(403, "denied " + request.target,
                                  {{"x-ms-error-code", "AuthenticationFailed"}}));
  });
  storage::StorageConfig config;
  config.url = "https://acct.blob.core.windows.net/tiles/p?" + sas;
  config.endpoint = "http://127.0.0.1:" + std::to_string(server.port()) + "/acct";
  config.slug = "s";
  auto store = std::move(*storage::ObjectStore::open(config));
  auto http = loopback_client();
  auto got = store->get(http, "tiles/p/a.png", 1024);
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(got.error().retryable());
  EXPECT_EQ(got.error().reason,
            "Azure GET tiles/p/a.png: 403 AuthenticationFailed — the SAS in --storage-url was "
            "refused: check its expiry, permissions and signature");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/acct/tiles/p/a.png?" + sas);
}

StorageError get_error(int status, const std::string& body, std::uint64_t max_bytes) {
  ScriptedServer server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(status, body));
  });
  auto http = loopback_client();
  auto got = s3_store_at(server)->get(http, "p/a.png", max_bytes);
  EXPECT_FALSE(got.ok());
  return got.ok() ? StorageError{} : got.error();
}

TEST(StorageReply, AnErrorReplyLargerThanASmallObjectCapIsStillReadAndClassified) {
  auto error = get_error(404, s3_error("NoSuchKey", "The specified key does not exist."), 16);
  EXPECT_EQ(error.reason,
            "S3 GET bucket/p/a.png: 404 NoSuchKey — no such object (The specified key does not "
            "exist.)");
}

TEST(StorageReply, AnObjectOverTheCapIsPermanent) {
  auto error = get_error(200, std::string(100, 'x'), 10);
  EXPECT_FALSE(error.retryable());
  EXPECT_EQ(error.reason, "S3 GET bucket/p/a.png: the object is larger than 10 bytes");
}

TEST(StorageReply, ParsesTheErrorBody) {
  auto body = storage::parse_error_body(
      "<Error><Code>NoSuchKey</Code><Message>The key\ndoes not exist</Message></Error>");
  EXPECT_EQ(body.code, "NoSuchKey");
  EXPECT_EQ(body.message, "The key");
  EXPECT_EQ(storage::parse_error_body("not xml").code, "");
}

}  // namespace
}  // namespace patchq::testing
