#include "common/net/host_rules.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "common/net/special_addresses.hpp"

namespace patchq::net {
namespace {

constexpr std::string_view kCloudStorage[] = {
    // Amazon S3: path-style and virtual-hosted, global, regional ("s3.eu-west-1"), legacy
    // dash-regional ("s3-eu-west-1", "s3-external-1"), dual-stack, accelerate, China.
    "s3.amazonaws.com",
    "*.s3.amazonaws.com",
    "s3.*.amazonaws.com",
    "*.s3.*.amazonaws.com",
    "s3-*.amazonaws.com",
    "*.s3-*.amazonaws.com",
    "s3.dualstack.*.amazonaws.com",
    "*.s3.dualstack.*.amazonaws.com",
    "*.s3-accelerate.amazonaws.com",
    "*.s3-accelerate.dualstack.amazonaws.com",
    "s3.*.amazonaws.com.cn",
    "*.s3.*.amazonaws.com.cn",
    // Google Cloud Storage: path-style and virtual-hosted.
    "storage.googleapis.com",
    "*.storage.googleapis.com",
    // Azure Blob Storage: public, US Government and China clouds.
    "*.blob.core.windows.net",
    "*.blob.core.usgovcloudapi.net",
    "*.blob.core.chinacloudapi.cn",
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// IPv6 literals have many spellings ("::ffff:127.0.0.1", "::ffff:7f00:1"): entries and hosts
// are compared in inet_ntop's one form.
std::string canonical_ip(std::string text) {
  in6_addr v6;
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1 && inet_ntop(AF_INET6, &v6, buf, sizeof buf)) {
    return buf;
  }
  return text;
}

std::vector<std::string_view> labels(std::string_view name) {
  std::vector<std::string_view> out;
  while (true) {
    const auto dot = name.find('.');
    out.push_back(name.substr(0, dot));
    if (dot == std::string_view::npos) return out;
    name.remove_prefix(dot + 1);
  }
}

// One label against one pattern label: literal, "*" (any non-empty label) or one "*" inside
// ("s3-*": the prefix, the suffix and at least one character between).
bool label_matches(std::string_view label, std::string_view pattern) {
  if (label.empty()) return false;
  const auto star = pattern.find('*');
  if (star == std::string_view::npos) return label == pattern;
  const auto head = pattern.substr(0, star);
  const auto tail = pattern.substr(star + 1);
  return label.size() > head.size() + tail.size() && label.starts_with(head) &&
         label.ends_with(tail);
}

std::string refused_address_text(const Url& url, const AddressJudgement& judgement) {
  return "address " + url.host() + " is in a refused range (" + describe(judgement) +
         ") and private hosts are not allowed (" + url.redacted() + ")";
}

}  // namespace

bool is_private_address(const sockaddr* address) {
  return judge_address(address).refused;
}

bool is_ip_literal(std::string_view text) {
  const std::string s(text);
  in_addr v4;
  in6_addr v6;
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

bool is_private_ip_literal(std::string_view text) {
  return judge_ip_literal(text).refused;
}

std::span<const std::string_view> cloud_storage_hosts() {
  return kCloudStorage;
}

bool host_matches(std::string_view host, std::string_view entry) {
  if (host.empty() || entry.empty()) return false;
  if (entry.front() == '.') {
    // ".amazonaws.com" matches "bucket.s3.amazonaws.com", never "evilamazonaws.com".
    return host.size() > entry.size() && host.ends_with(entry);
  }
  if (entry.find('*') == std::string_view::npos) return host == entry;
  const auto host_labels = labels(host);
  auto pattern = labels(entry);
  std::size_t leading = 0;  // a leading "*" label stands for one or more labels
  if (pattern.front() == "*") {
    pattern.erase(pattern.begin());
    leading = 1;
  }
  if (host_labels.size() < pattern.size() + leading) return false;
  if (leading == 0 && host_labels.size() != pattern.size()) return false;
  const std::size_t offset = host_labels.size() - pattern.size();
  for (std::size_t i = 0; i < offset; ++i) {
    if (host_labels[i].empty()) return false;
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (!label_matches(host_labels[offset + i], pattern[i])) return false;
  }
  return true;
}

HostRules::HostRules(std::vector<std::string> allowed, bool allow_private,
                     std::vector<TrustedOrigin> trusted_origins)
    : trusted_(std::move(trusted_origins)), allow_private_(allow_private) {
  for (auto& entry : allowed) {
    std::string e = lower(trim(entry));
    while (!e.empty() && e.back() == '.') e.pop_back();
    if (e.size() > 2 && e.front() == '[' && e.back() == ']') e = e.substr(1, e.size() - 2);
    if (e == kCloudStorageEntry) {
      allowed_.insert(allowed_.end(), kCloudStorage, std::end(kCloudStorage));
    } else if (!e.empty() && e != "." && e != "*" && e != "*.") {
      allowed_.push_back(canonical_ip(std::move(e)));
    }
  }
}

std::vector<std::string> HostRules::parse_list(std::string_view comma_list) {
  std::vector<std::string> out;
  while (!comma_list.empty()) {
    const auto comma = comma_list.find(',');
    const auto item = trim(comma_list.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    comma_list.remove_prefix(comma + 1);
  }
  return out;
}

bool HostRules::allows_host(std::string_view host) const {
  const std::string h = canonical_ip(lower(host));
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [&](const std::string& entry) { return host_matches(h, entry); });
}

bool HostRules::trusts_origin(const Url& url) const {
  const std::string origin = url.origin();
  return std::any_of(trusted_.begin(), trusted_.end(),
                     [&](const TrustedOrigin& t) { return t.origin == origin; });
}

bool HostRules::allows_private_for(const Url& url) const {
  if (allow_private_) return true;
  const std::string origin = url.origin();
  return std::any_of(trusted_.begin(), trusted_.end(),
                     [&](const TrustedOrigin& t) { return t.any_address && t.origin == origin; });
}

bool HostRules::allows_address(const sockaddr* address) const {
  return allow_private_ || !is_private_address(address);
}

std::optional<TransportError> HostRules::check_hop(const Url& url, bool trusted_by_name) const {
  if (!trusted_by_name && !trusts_origin(url) && !allows_host(url.host())) {
    return TransportError{
        TransportError::Kind::host_not_allowed,
        "host " + url.host() + " is not an allowed host (" + url.redacted() + ")"};
  }
  if (!allows_private_for(url)) {
    if (const auto judgement = judge_ip_literal(url.host()); judgement.refused) {
      return TransportError{TransportError::Kind::address_refused,
                            refused_address_text(url, judgement)};
    }
  }
  return std::nullopt;
}

}  // namespace patchq::net
