// ObjectStore: the customer's bucket or container that tiles are written to in storage mode
// (then registered with V7 by storage key), and read back from (the V7 stand-in, checks).
// One implementation per provider family: S3Store (S3, S3-compatible, GCS; SigV4 by libcurl)
// and AzureStore (Azure Blob; SAS or Shared Key).
// Invariants: immutable after open(), so one instance is shared by every thread; each call
// takes the caller's HttpClient (one per thread), whose host/address rules, timeouts and body
// caps apply; the storage host is the operator's choice, so requests trust it by name
// (address rules still apply). No text a store returns (reasons, describe()) holds a secret.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/net/http_client.hpp"
#include "common/result/result.hpp"
#include "common/storage/storage_config.hpp"
#include "common/storage/storage_error.hpp"

namespace patchq::storage {

// The first bytes of an object and its whole size (get_head).
struct ObjectHead {
  std::string bytes;       // at most the bytes asked for; all of them when the object is smaller
  std::uint64_t size = 0;  // the whole object's size
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Validates `config` (see validate()) and builds the store; storage mode must be on.
  static Result<std::unique_ptr<ObjectStore>> open(const StorageConfig& config);

  // The key V7 expects for an object: S3/GCS "<prefix>/<name>" (no bucket), Azure
  // "<container>/<prefix>/<name>".
  virtual std::string storage_key(std::string_view object_name) const = 0;

  // Writes the object whole (replacing an existing one).
  virtual StorageStatus put(net::HttpClient& http, std::string_view storage_key,
                            std::string_view bytes, std::string_view content_type) const = 0;
  // Reads the object; more than max_bytes is a permanent error.
  virtual StorageResult<std::string> get(net::HttpClient& http, std::string_view storage_key,
                                         std::uint64_t max_bytes) const = 0;
  // Reads the first `head_bytes` (>= 1) bytes of the object with one ranged GET: proves it
  // exists and gives its size and header bytes without moving the rest. An empty object is
  // an empty head of size 0. A server that ignores the range may send at most
  // max(head_bytes, 64 KiB); a larger whole object is a permanent error.
  virtual StorageResult<ObjectHead> get_head(net::HttpClient& http, std::string_view storage_key,
                                             std::uint64_t head_bytes) const = 0;
  // For start-up and readiness: the bucket/container exists, the credentials are accepted
  // for listing under the prefix and for writing there (a zero-byte probe object,
  // "<prefix>/.patchq-check"). The error says what is wrong.
  virtual StorageStatus check(net::HttpClient& http) const = 0;

  // For logs: "s3://bucket/prefix at http://127.0.0.1:9000". Never a secret.
  virtual std::string describe() const = 0;
};

// Object name of the probe check() writes (under the prefix).
inline constexpr std::string_view kCheckObjectName = ".patchq-check";

}  // namespace patchq::storage
