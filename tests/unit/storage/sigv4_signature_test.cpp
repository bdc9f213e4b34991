// What libcurl signs for S3Store's requests, checked against an independent SigV4
// implementation (sigv4_expected.py, Python's hashlib/hmac) from the request as the server
// received it: same signature, payload hash sent and signed, session token signed, the
// secret never on the wire, and no signature on a hop to another origin.
#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "common/codec/sha256.hpp"
#include "common/net/http_client.hpp"
#include "common/storage/object_store.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/net/scripted_server.hpp"

namespace patchq::testing {
namespace {

constexpr const char* kKeyId = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "session/token+value==";

void reply_ok(const RecordedRequest&, ScriptedConnection& c) {
  c.write(ScriptedServer::reply(200));
}

net::HttpClient loopback_client() {
  net::HttpClientOptions options;
  options.rules = net::HostRules({"127.0.0.1"}, /*allow_private=*/true);
  return net::HttpClient(options);
}

std::string sha256_hex(std::string_view bytes) {
  return codec::sha256_hex(bytes);
}

// The signature sigv4_expected.py computes for `request` as received.
std::string expected_signature(const RecordedRequest& request) {
  TempDir dir;
  write_file(dir / "body", request.body);
  std::string spec = "METHOD " + request.method + "\nTARGET " + request.target + "\nSECRET " +
                     kSecret + "\nBODYFILE " + (dir / "body").string() + "\n";
  for (const auto& [name, value] : request.headers) spec += "H " + name + ": " + value + "\n";
  write_file(dir / "spec", spec);
  ChildProcess python(
      "/usr/bin/python3",
      {source_path("tests/unit/storage/sigv4_expected.py").string(), (dir / "spec").string()});
  const auto status = python.wait_exit(std::chrono::seconds(30));
  EXPECT_TRUE(status.has_value() && python.exit_code() == 0) << python.stderr_text();
  std::string out = python.stdout_text();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string signature_of(const std::string& authorization) {
  const auto at = authorization.find("Signature=");
  return at == std::string::npos ? "" : authorization.substr(at + 10);
}

void expect_correctly_signed(const RecordedRequest& request) {
  SCOPED_TRACE(request.method + " " + request.target);
  ASSERT_TRUE(request.headers.contains("authorization"));
  const std::string& authorization = request.headers.at("authorization");
  const std::string date = request.headers.at("x-amz-date").substr(0, 8);
  EXPECT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date +
                                        "/eu-west-1/s3/aws4_request, SignedHeaders="))
      << authorization;
  for (const char* name : {"host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"}) {
    EXPECT_NE(authorization.find(name), std::string::npos) << name << " unsigned";
  }
  EXPECT_EQ(request.headers.at("x-amz-content-sha256"), sha256_hex(request.body));
  EXPECT_EQ(request.headers.at("x-amz-security-token"), kToken);
  EXPECT_EQ(signature_of(authorization), expected_signature(request));
  for (const auto& [name, value] : request.headers) {
    EXPECT_EQ(value.find(kSecret), std::string::npos) << "secret sent in " << name;
  }
}

std::unique_ptr<storage::ObjectStore> store_at(const ScriptedServer& server) {
  storage::StorageConfig config;
  config.url = "s3://tiles-bucket/jobs/run 1";
  config.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  config.slug = "s";
  config.aws_access_key_id = kKeyId;
  config.aws_secret_access_key = kSecret;
  config.aws_session_token = kToken;
  config.aws_region = "eu-west-1";
  auto store = storage::ObjectStore::open(config);
  EXPECT_TRUE(store.ok()) << store.error().reason;
  return std::move(*store);
}

TEST(SigV4Signature, APutOfAnOddKeyIsSignedAsAnIndependentImplementationComputesIt) {
  ScriptedServer server(reply_ok);
  auto store = store_at(server);
  auto http = loopback_client();
  const std::string key = store->storage_key("tile a+b é.png");
  auto put = store->put(http, key, std::string("\x89PNG\0\x01 bytes", 12), "image/png");
  ASSERT_TRUE(put.ok()) << put.error().reason;

  ASSERT_EQ(server.requests().size(), 1u);
  const auto request = server.requests()[0];
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/tiles-bucket/jobs/run%201/tile%20a%2Bb%20%C3%A9.png");
  EXPECT_EQ(request.headers.at("content-type"), "image/png");
  expect_correctly_signed(request);
}

TEST(SigV4Signature, CheckListsWithASignedQueryThenWritesItsProbe) {
  ScriptedServer server(reply_ok);
  auto store = store_at(server);
  auto http = loopback_client();
  auto check = store->check(http);
  ASSERT_TRUE(check.ok()) << check.error().reason;

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/tiles-bucket?max-keys=1&prefix=jobs%2Frun%201%2F");
  expect_correctly_signed(requests[0]);
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].target, "/tiles-bucket/jobs/run%201/.patchq-check");
  expect_correctly_signed(requests[1]);
}

TEST(SigV4Signature, AHopToAnotherOriginIsNotSigned) {
  ScriptedServer elsewhere(reply_ok);
  ScriptedServer storage_server([&](const RecordedRequest&, ScriptedConnection& c) {
    c.write(ScriptedServer::reply(307, "", {{"Location", elsewhere.url("/moved")}}));
  });
  const net::AwsSigV4 sigv4{"http://127.0.0.1:" + std::to_string(storage_server.port()),
                            "aws:amz:eu-west-1:s3", kKeyId, kSecret};
  auto http = loopback_client();
  net::HttpRequest request;
  request.url = storage_server.url("/bucket/key");
  request.aws_sigv4 = &sigv4;
  auto result = http.send(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.response().redirects, 1);

  ASSERT_EQ(storage_server.requests().size(), 1u);
  EXPECT_TRUE(storage_server.requests()[0].headers.contains("authorization"));
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  EXPECT_FALSE(elsewhere.requests()[0].headers.contains("authorization"));
  EXPECT_FALSE(elsewhere.requests()[0].headers.contains("x-amz-date"));
}

}  // namespace
}  // namespace patchq::testing
