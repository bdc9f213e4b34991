// S3Store: ObjectStore for Amazon S3, S3-compatible servers (MinIO, s3rver, Ceph...) and
// Google Cloud Storage's XML API with HMAC keys. Requests are signed with AWS SigV4 by libcurl
// (net::AwsSigV4, applied to the storage origin only); the payload hash is sent as
// x-amz-content-sha256 (libcurl 7.x does not add it; S3 requires it), and a session token as
// x-amz-security-token.
// URLs: path-style "<endpoint>/<bucket>/<key>" with an endpoint override, virtual-hosted
// "https://<bucket>.s3.<region>.amazonaws.com/<key>" on AWS (path-style for dotted bucket
// names, which break TLS wildcards), "https://storage.googleapis.com/<bucket>/<key>" for GCS.
// Redirects are not followed (a signature is bound to its host): a reply saying the bucket is
// in another region (301 or 400 with x-amz-bucket-region) fails permanently naming that region.
#pragma once

#include "common/net/http_types.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_reply.hpp"
#include "common/storage/storage_url.hpp"

namespace patchq::storage {

class S3Store final : public ObjectStore {
 public:
  struct Options {
    StorageLocation location;  // provider s3 or gcs
    std::string endpoint;      // empty: the provider's public endpoint
    std::string region;
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty: none
  };
  explicit S3Store(Options options);

  std::string storage_key(std::string_view object_name) const override;
  StorageStatus put(net::HttpClient& http, std::string_view storage_key, std::string_view bytes,
                    std::string_view content_type) const override;
  StorageResult<std::string> get(net::HttpClient& http, std::string_view storage_key,
                                 std::uint64_t max_bytes) const override;
  StorageResult<ObjectHead> get_head(net::HttpClient& http, std::string_view storage_key,
                                     std::uint64_t head_bytes) const override;
  StorageStatus check(net::HttpClient& http) const override;
  std::string describe() const override;

 private:
  std::string object_url(std::string_view storage_key) const;
  net::HttpRequest signed_request(std::string method, std::string url, std::string_view body) const;
  // How failures of `call` ("PUT bucket/a.png") are reported: its hints and secrets.
  ReplyContext reply_context(std::string call) const;
  // status_failure, naming the bucket's region when the reply says it is not ours.
  StorageError failure(const net::HttpResponse& response, const ReplyContext& context) const;

  Options options_;
  std::string bucket_url_;       // where the bucket's objects are: "<base>/" + encoded key
  bool bucket_is_host_ = false;  // virtual-hosted: the bucket's own URL path is "/"
  net::AwsSigV4 sigv4_;
};

}  // namespace patchq::storage
