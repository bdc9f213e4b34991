#include "common/storage/storage_config.hpp"

#include "common/codec/base64.hpp"
#include "common/net/url.hpp"

namespace patchq::storage {

void add_storage_flags(config::FlagSet& flags, StorageConfig& config) {
  flags
      .add_string("storage-url", &config.url, "PATCHQ_STORAGE_URL",
                  "write tiles to this bucket/container, then register them with V7: "
                  "s3://bucket/prefix, gs://bucket/prefix or "
                  "https://<account>.blob.core.windows.net/<container>/<prefix>[?<sas>]",
                  /*secret=*/true)
      .add_string("storage-endpoint", &config.endpoint, "PATCHQ_STORAGE_ENDPOINT",
                  "S3-compatible server base URL (path-style requests), or the Azure blob "
                  "endpoint (azurite: http://127.0.0.1:10000/devstoreaccount1)")
      .add_string("storage-slug", &config.slug, "PATCHQ_STORAGE_SLUG",
                  "the storage's name in V7's storage settings (required with --storage-url)")
      .add_bool("storage-readonly", &config.readonly, "PATCHQ_STORAGE_READONLY",
                "V7 registers the storage as read-only (it never writes to it)")
      .add_bool("allow-private-storage", &config.allow_private, "PATCHQ_ALLOW_PRIVATE_STORAGE",
                "allow the storage server's origin alone (--storage-endpoint, or an Azure "
                "--storage-url) on a loopback/private address, e.g. MinIO or Ceph on the "
                "cluster network; image hosts keep the address rules")
      .add_string("storage-access-key-id", &config.aws_access_key_id, "AWS_ACCESS_KEY_ID",
                  "S3/GCS HMAC access key id (prefer the environment variable)")
      .add_string("storage-secret-access-key", &config.aws_secret_access_key,
                  "AWS_SECRET_ACCESS_KEY", "S3/GCS secret access key (prefer the environment)",
                  /*secret=*/true)
      .add_string("storage-session-token", &config.aws_session_token, "AWS_SESSION_TOKEN",
                  "temporary-credential session token, sent as x-amz-security-token",
                  /*secret=*/true)
      .add_string("storage-region", &config.aws_region, "AWS_REGION",
                  "region SigV4 signs for (default us-east-1; GCS: auto)")
      .add_string("storage-account", &config.azure_account, "AZURE_STORAGE_ACCOUNT",
                  "Azure storage account for Shared Key (must match the --storage-url host)")
      .add_string("storage-account-key", &config.azure_key, "AZURE_STORAGE_KEY",
                  "Azure account key (base64) for Shared Key, when the URL has no SAS",
                  /*secret=*/true);
}

std::string private_storage_origin(const StorageConfig& config) {
  if (!config.enabled() || !config.allow_private) return "";
  const std::string& base = config.endpoint.empty() ? config.url : config.endpoint;
  if (!base.starts_with("http://") && !base.starts_with("https://")) return "";
  auto url = net::Url::parse(base);
  return url ? url->origin() : "";
}

std::string signing_region(const StorageConfig& config, Provider provider) {
  if (!config.aws_region.empty()) return config.aws_region;
  return provider == Provider::gcs ? "auto" : "us-east-1";
}

namespace {

Status endpoint_problem(const StorageConfig& config) {
  if (config.endpoint.empty()) return ok_status();
  auto url = net::Url::parse(config.endpoint);
  if (!url) return fail("--storage-endpoint " + config.endpoint + ": " + url.error().reason);
  if (config.endpoint.find_first_of("?#") != std::string::npos) {
    return fail("--storage-endpoint " + config.endpoint + ": no query or fragment allowed");
  }
  return ok_status();
}

Status credentials_problem(const StorageConfig& config, const StorageLocation& location) {
  if (location.provider != Provider::azure) {
    if (config.aws_access_key_id.empty() || config.aws_secret_access_key.empty()) {
      return fail(std::string(to_string(location.provider)) +
                  " storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" +
                  (location.provider == Provider::gcs ? " (a GCS HMAC key)" : ""));
    }
    if (config.aws_access_key_id.find(':') != std::string::npos) {
      return fail("AWS_ACCESS_KEY_ID must not contain ':'");
    }
    return ok_status();
  }
  if (!location.sas_query.empty()) return ok_status();
  if (config.azure_key.empty()) {
    return fail(
        "Azure storage needs a SAS in --storage-url (...?sv=...&sig=...) or AZURE_STORAGE_KEY "
        "(the account key, for Shared Key)");
  }
  if (!config.azure_account.empty() && config.azure_account != location.account) {
    return fail("AZURE_STORAGE_ACCOUNT " + config.azure_account +
                " does not match the account in --storage-url (" + location.account + ")");
  }
  auto key = codec::base64_decode(config.azure_key);
  if (!key || key->empty()) {
    return fail("AZURE_STORAGE_KEY is not base64 (copy the account key as the portal shows it)");
  }
  return ok_status();
}

}  // namespace

Status validate(const StorageConfig& config) {
  if (!config.enabled()) return ok_status();
  auto location = parse_storage_url(config.url);
  if (!location) return location.error();
  if (config.slug.empty()) return fail("--storage-slug is required with --storage-url");
  if (auto endpoint = endpoint_problem(config); !endpoint) return endpoint;
  if (config.allow_private && private_storage_origin(config).empty()) {
    return fail(
        "--allow-private-storage names the storage server by --storage-endpoint (the "
        "S3-compatible server's URL); " +
        std::string(to_string(location->provider)) + " storage has none");
  }
  return credentials_problem(config, *location);
}

}  // namespace patchq::storage
