// StorageLocation: what a --storage-url names, split into the parts the stores need.
//   s3://<bucket>[/<prefix>]                       S3 or any S3-compatible server
//   gs://<bucket>[/<prefix>]                       Google Cloud Storage (XML API, HMAC keys)
//   https://<account>.blob.<suffix>/<container>[/<prefix>][?<sas>]   Azure Blob
// Invariants of a parsed value: bucket/container is non-empty and valid for its provider;
// prefix has no leading, trailing or doubled '/'; sas_query (Azure only) is empty or carries a
// "sig=" and is a secret: nothing here puts it into an error text.
#pragma once

#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::storage {

enum class Provider { s3, gcs, azure };

std::string_view to_string(Provider provider);  // "S3", "GCS", "Azure"

struct StorageLocation {
  Provider provider = Provider::s3;
  std::string bucket;  // the S3/GCS bucket or the Azure container
  std::string prefix;  // "" or "a/b"
  // Azure only:
  std::string account;       // the first label of the blob host
  std::string service_host;  // "<account>.blob.core.windows.net"
  std::string sas_query;     // without the '?'; empty: Shared Key
};

Result<StorageLocation> parse_storage_url(std::string_view url);

// "s3://bucket/prefix", "https://acct.blob.core.windows.net/container/prefix": never the SAS.
std::string location_text(const StorageLocation& location);

}  // namespace patchq::storage
