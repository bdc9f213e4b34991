// UrlResolver (see enqueue_export_resolver.hpp).
#include "services/ctl/enqueue_export_resolver.hpp"

namespace patchq::ctl {
namespace {

v7::FleetRateLimiter::Options limits_of(const v7::V7ClientConfig& config,
                                        const redis::RedisEndpoint& redis,
                                        const std::string& prefix) {
  v7::FleetRateLimiter::Options limits;
  limits.endpoint = redis;
  limits.key_prefix = prefix;
  limits.api_key = config.api_key;
  limits.rate_per_minute = config.rate_per_minute;
  limits.burst = config.rate_burst;
  limits.share_window = config.rate_share_window;
  return limits;
}

}  // namespace

UrlResolver::UrlResolver(const v7::V7ClientConfig& config, const redis::RedisEndpoint& redis,
                         const std::string& prefix)
    : limiter_(limits_of(config, redis, prefix)),
      api_(config, &limiter_),
      http_(api_.http_options()) {}

Result<std::string> UrlResolver::resolve(const webhook::Item& item) {
  if (item.team_slug.empty() || item.item_id.empty()) {
    return fail("the file names no team or item id to look up in V7");
  }
  auto found = api_.get_item(http_, item.team_slug, item.item_id);
  if (!found) {
    return fail("V7 item " + item.item_id + ": " + found.error().reason);
  }
  for (const auto& slot : found->slots) {
    if (item.slot.slot_name.empty() || slot.slot_name == item.slot.slot_name) {
      if (slot.url.empty()) break;
      return slot.url;
    }
  }
  return fail("V7 item " + item.item_id + " has no file URL for slot '" + item.slot.slot_name +
              "'");
}

}  // namespace patchq::ctl
