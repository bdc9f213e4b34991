// UrlResolver: a fresh image URL for an export item whose URL is missing or expired, from V7
// (GET /api/v2/teams/{team}/items/{item_id}, common/v7). Each call waits for the fleet's V7
// token bucket in Redis, so a backfill's look-ups and the workers share one budget.
#pragma once

#include <memory>
#include <string>

#include "common/net/http_client.hpp"
#include "common/redis/redis_url.hpp"
#include "common/result/result.hpp"
#include "common/v7/client_config.hpp"
#include "common/v7/rate_limiter.hpp"
#include "common/v7/v7_api.hpp"
#include "common/webhook/item.hpp"

namespace patchq::ctl {

class UrlResolver {
 public:
  // `config` must have passed v7::validate.
  UrlResolver(const v7::V7ClientConfig& config, const redis::RedisEndpoint& redis,
              const std::string& prefix);

  // The URL of the item's slot as V7 serves it now, or why not.
  Result<std::string> resolve(const webhook::Item& item);
  std::uint64_t calls() const { return api_.api_requests(); }

 private:
  v7::FleetRateLimiter limiter_;
  v7::V7Api api_;
  net::HttpClient http_;
};

}  // namespace patchq::ctl
