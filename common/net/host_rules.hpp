// HostRules: which servers patchq may talk to. Two independent checks, both applied to every
// hop of every request (redirects and follow-up URLs included):
//   1. by name: the hop's origin (scheme+host+port) is a trusted origin (the V7 API), its host
//      matches an allowed entry, or it is trusted for this one request (presigned URLs returned
//      by V7 itself, redirects issued by the V7 API);
//   2. by address: the address actually connected to (after DNS, so rebinding to 127.0.0.1 or
//      169.254.169.254 is caught) and any IP literal in the URL must not be in a refused
//      special-purpose range (special_addresses.hpp), unless private addresses are allowed, or
//      the hop's origin is a trusted origin marked `any_address` (the V7 API on a private
//      address, scheme+host+port exact, and nothing else).
// Allowed entries: "cdn.example.com" exactly; ".example.com" or "*.example.com" any subdomain;
// "*" inside a label matches one or more characters of that label ("s3-*.amazonaws.com"),
// a "*" label elsewhere exactly one label ("s3.*.amazonaws.com"); "@cloud-storage" stands for
// the presigned-URL hosts of S3, GCS and Azure Blob (cloud_storage_hosts()).
// Invariant: a HostRules value is immutable once built, so transfers on many threads share it.
// check_hop() is a pure function of the rules and its input (the entry point for fuzzing).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.hpp"
#include "common/net/url.hpp"

struct sockaddr;

namespace patchq::net {

// True for addresses patchq refuses by default (special_addresses.hpp).
bool is_private_address(const sockaddr* address);
// The same for an IP literal ("10.0.0.1", "::1"); false for names and malformed text.
bool is_private_ip_literal(std::string_view text);
bool is_ip_literal(std::string_view text);

// The presigned-URL host forms of S3 (global, regional, dual-stack, accelerate, legacy dash and
// virtual-hosted forms, China regions), Google Cloud Storage and Azure Blob Storage.
std::span<const std::string_view> cloud_storage_hosts();
inline constexpr std::string_view kCloudStorageEntry = "@cloud-storage";

// Does `host` (lower-case, no brackets) match one allowed entry (see above)?
bool host_matches(std::string_view host, std::string_view entry);

struct TrustedOrigin {
  std::string origin;        // Url::origin() form: "https://darwin.v7labs.com:443"
  bool any_address = false;  // may be on a private/loopback address
};

class HostRules {
 public:
  HostRules() = default;
  HostRules(std::vector<std::string> allowed, bool allow_private,
            std::vector<TrustedOrigin> trusted_origins = {});

  // Parses a comma list ("a.com, .b.com") into entries; empty items are skipped.
  static std::vector<std::string> parse_list(std::string_view comma_list);

  bool allow_private() const { return allow_private_; }
  // Name check: is `host` (lower-case, no brackets) on the allowed list?
  bool allows_host(std::string_view host) const;
  bool trusts_origin(const Url& url) const;
  // May a hop to `url` connect to a private address (allow_private, or an any_address origin)?
  bool allows_private_for(const Url& url) const;
  // Address check for the socket about to be opened (ignores origins: see allows_private_for).
  bool allows_address(const sockaddr* address) const;

  // The whole pre-connect decision for one hop: by name (unless `trusted_by_name`), then the
  // URL's IP literal by address. nullopt when the hop may go ahead.
  std::optional<TransportError> check_hop(const Url& url, bool trusted_by_name) const;

 private:
  std::vector<std::string> allowed_;
  std::vector<TrustedOrigin> trusted_;
  bool allow_private_ = false;
};

}  // namespace patchq::net
