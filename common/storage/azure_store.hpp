// AzureStore: ObjectStore for Azure Blob Storage (and azurite). Blobs are written whole with
// one Put Blob (x-ms-blob-type: BlockBlob; tiles are far below the single-PUT limit).
// Authorization: the container SAS of --storage-url appended to every request URL, or, without
// a SAS, Shared Key (azure_shared_key.hpp) sent as a Credential scoped to the blob endpoint.
// Storage keys are "<container>/<prefix>/<name>" (what V7 expects for Azure); the blob
// endpoint is "https://<account>.blob.core.windows.net" unless --storage-endpoint overrides it
// (azurite: "http://127.0.0.1:10000/devstoreaccount1", the account in the path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net/http_types.hpp"
#include "common/storage/object_store.hpp"
#include "common/storage/storage_reply.hpp"
#include "common/storage/storage_url.hpp"

namespace patchq::storage {

// The x-ms-version sent: supported by Azure and by azurite 3.x.
inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

class AzureStore final : public ObjectStore {
 public:
  struct Options {
    StorageLocation location;        // provider azure
    std::string blob_endpoint;       // empty: https://<service_host>
    std::string account_key_base64;  // Shared Key (empty when the location has a SAS)
  };
  explicit AzureStore(Options options);

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
  using Query = std::vector<std::pair<std::string, std::string>>;  // decoded name, value
  struct Call {
    std::string method;
    std::string path;  // after the endpoint, encoded: "/container/blob"
    Query query;
    net::Headers headers;  // beside x-ms-date and x-ms-version
    std::string_view body;
    std::uint64_t max_response_bytes = 64 << 10;
  };
  net::HttpResult send(net::HttpClient& http, Call call) const;
  std::string blob_path(std::string_view storage_key, std::string* problem) const;
  // How failures of `call` ("PUT tiles/a.png") are reported: its hints and secrets.
  ReplyContext reply_context(std::string call) const;

  Options options_;
  std::vector<unsigned char> account_key_;
  std::string endpoint_;       // without a trailing '/'
  std::string endpoint_path_;  // "" or "/devstoreaccount1"
  std::string origin_;
};

}  // namespace patchq::storage
