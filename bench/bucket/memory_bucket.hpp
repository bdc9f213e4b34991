// MemoryBucket: an object store in memory for benchmarks, answering the requests patchq's S3
// and Azure Blob clients make (common/storage), keyed by the request path: PUT an object
// (200, or 201 for Azure's x-ms-blob-type), GET it whole or its first bytes (Range or
// x-ms-range "bytes=0-N": 206 with Content-Range), GET a listing (200, empty: patchq's start
// check reads only the status). It checks no credential and keeps nothing on disk: it stands
// for a bucket that is not on the benchmark's cores, so that the storage modes' figures show
// patchq's side. Tests use the real emulators (s3rver, azurite), never this.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "common/http/message.hpp"

namespace patchq::bench {

class MemoryBucket {
 public:
  explicit MemoryBucket(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}
  http::Response handle(const http::Request& req);

 private:
  http::Response put(const http::Request& req, const std::string& path);
  http::Response get(const http::Request& req, const std::string& path) const;

  const std::uint64_t max_bytes_;  // all objects together: a bound, not a cache
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const std::string>> objects_;
  std::uint64_t bytes_ = 0;
};

}  // namespace patchq::bench
