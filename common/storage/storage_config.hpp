// StorageConfig: the operator's object-storage settings (storage mode: tiles are written to the
// customer's bucket or container, then registered with V7 in bulk), from flags with
// environment fallbacks, plus the credentials, read through the same FlagSet so that the
// usual precedence (flag > environment > default) and secret handling apply.
// Invariants: an empty url means storage mode is off; validate() is the one place that says
// whether a non-empty configuration can work, and its messages name the flag or variable to
// fix, never a secret value.
#pragma once

#include <string>

#include "common/config/flag_set.hpp"
#include "common/result/result.hpp"
#include "common/storage/storage_url.hpp"

namespace patchq::storage {

struct StorageConfig {
  std::string url;        // --storage-url (secret: an Azure URL may carry a SAS)
  std::string endpoint;   // --storage-endpoint: S3-compatible server or Azure blob endpoint
  std::string slug;       // --storage-slug: the storage's name in V7's settings
  bool readonly = false;  // --storage-readonly: V7 registers the storage as read-only
  // --allow-private-storage: the storage server's origin alone may be on a private address.
  bool allow_private = false;

  // Resolved credentials (environment first; the flags exist for tools and tests).
  std::string aws_access_key_id;      // AWS_ACCESS_KEY_ID
  std::string aws_secret_access_key;  // AWS_SECRET_ACCESS_KEY (secret)
  std::string aws_session_token;      // AWS_SESSION_TOKEN (secret), sent as x-amz-security-token
  std::string aws_region;             // AWS_REGION; empty: us-east-1 (S3), auto (GCS)
  std::string azure_account;          // AZURE_STORAGE_ACCOUNT
  std::string azure_key;              // AZURE_STORAGE_KEY (secret, base64 account key)

  bool enabled() const { return !url.empty(); }
};

void add_storage_flags(config::FlagSet& flags, StorageConfig& config);

// ok for an empty url (storage mode off) or a configuration that open() can use.
Status validate(const StorageConfig& config);

// The origin (scheme://host:port) of the storage server when --allow-private-storage lets it
// be on a loopback/private address: --storage-endpoint's, else an Azure --storage-url's.
// Empty when storage mode or the option is off.
std::string private_storage_origin(const StorageConfig& config);

// The region SigV4 signs for: AWS_REGION, else us-east-1 for S3 and "auto" for GCS.
std::string signing_region(const StorageConfig& config, Provider provider);

}  // namespace patchq::storage
