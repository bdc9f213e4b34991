#include "common/storage/storage_url.hpp"

#include <algorithm>
#include <cctype>

#include "common/net/url.hpp"
#include "common/storage/secret_scrub.hpp"

namespace patchq::storage {
namespace {

bool all_of(std::string_view text, bool (*allowed)(char)) {
  return std::all_of(text.begin(), text.end(), allowed);
}
bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool bucket_char(char c) {
  return lower_alnum(c) || c == '-' || c == '.' || c == '_';
}
bool container_char(char c) {
  return lower_alnum(c) || c == '-';
}

// S3 and GCS bucket names: 3-63 (GCS up to 222 with dots) lower-case letters, digits, '-',
// '.', '_' (GCS), starting and ending with a letter or digit.
std::string bucket_problem(std::string_view bucket) {
  if (bucket.empty()) return "no bucket";
  if (bucket.size() < 3 || bucket.size() > 222 || !all_of(bucket, bucket_char) ||
      !lower_alnum(bucket.front()) || !lower_alnum(bucket.back())) {
    return "bucket \"" + std::string(bucket) +
           "\" is not a valid bucket name (3-63 lower-case letters, digits, '-', '.')";
  }
  return {};
}

std::string container_problem(std::string_view container) {
  if (container.empty()) return "no container";
  if (container.size() < 3 || container.size() > 63 || !all_of(container, container_char) ||
      !lower_alnum(container.front()) || container.find("--") != std::string_view::npos) {
    return "container \"" + std::string(container) +
           "\" is not a valid container name (3-63 lower-case letters, digits, single '-')";
  }
  return {};
}

// Trims '/' at both ends (an empty segment inside, "a//b", is the caller's to report).
std::string_view trim_slashes(std::string_view text) {
  while (!text.empty() && text.front() == '/') text.remove_prefix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view to_string(Provider provider) {
  switch (provider) {
    case Provider::s3:
      return "S3";
    case Provider::gcs:
      return "GCS";
    case Provider::azure:
      return "Azure";
  }
  return "S3";
}

Result<StorageLocation> parse_storage_url(std::string_view url) {
  const std::string shown = redact_url_query(url);
  auto failure = [&](const std::string& what) {
    return fail("--storage-url " + shown + ": " + what);
  };
  StorageLocation location;
  std::string_view rest;
  if (url.starts_with("s3://")) {
    location.provider = Provider::s3;
    rest = url.substr(5);
  } else if (url.starts_with("gs://")) {
    location.provider = Provider::gcs;
    rest = url.substr(5);
  } else if (url.starts_with("https://")) {
    location.provider = Provider::azure;
    rest = url.substr(8);
  } else {
    return failure(
        "expected s3://bucket/prefix, gs://bucket/prefix or "
        "https://<account>.blob.core.windows.net/<container>/<prefix>");
  }

  if (const auto question = rest.find('?'); question != std::string_view::npos) {
    if (location.provider != Provider::azure) return failure("a query string is not allowed here");
    location.sas_query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
    if (!location.sas_query.empty() && location.sas_query.find("sig=") == std::string::npos) {
      return failure("the query string is not a SAS (it has no sig=)");
    }
  }
  if (rest.find('#') != std::string_view::npos) return failure("a fragment is not allowed");

  std::string_view path;
  if (location.provider == Provider::azure) {
    const auto slash = rest.find('/');
    std::string host(rest.substr(0, slash));
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    const auto dot = host.find('.');
    if (dot == std::string::npos || host.find(".blob.", dot) != dot) {
      return failure("the host must be <account>.blob.<cloud suffix>, e.g. " +
                     std::string("myaccount.blob.core.windows.net"));
    }
    if (!net::Url::parse("https://" + host + "/")) {
      return failure("\"" + host + "\" is not a host name");
    }
    location.account = host.substr(0, dot);
    location.service_host = host;
    if (location.account.size() < 3 || location.account.size() > 24 ||
        !all_of(location.account, lower_alnum)) {
      return failure("\"" + location.account +
                     "\" is not a storage account name (3-24 lower-case letters and digits)");
    }
  } else {
    if (rest.starts_with("/")) return failure("no bucket");  // "s3:///prefix"
    path = rest;
  }

  path = trim_slashes(path);
  const auto slash = path.find('/');
  location.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos)
    location.prefix = std::string(trim_slashes(path.substr(slash)));
  const std::string problem = location.provider == Provider::azure
                                  ? container_problem(location.bucket)
                                  : bucket_problem(location.bucket);
  if (!problem.empty()) return failure(problem);
  if (location.prefix.find("//") != std::string::npos) {
    return failure("the prefix \"" + location.prefix + "\" has an empty path segment");
  }
  return location;
}

std::string location_text(const StorageLocation& location) {
  std::string text;
  switch (location.provider) {
    case Provider::s3:
      text = "s3://" + location.bucket;
      break;
    case Provider::gcs:
      text = "gs://" + location.bucket;
      break;
    case Provider::azure:
      text = "https://" + location.service_host + "/" + location.bucket;
      break;
  }
  if (!location.prefix.empty()) text += "/" + location.prefix;
  return text;
}

}  // namespace patchq::storage
