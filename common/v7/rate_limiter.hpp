// Rate limiting of V7 API calls. V7 allows 1000 requests per minute per API key, for all of
// patchq's workers together, so the budget is one token bucket in Redis shared by the whole
// fleet (FleetRateLimiter), refilled at --v7-rate per minute up to --v7-rate-burst tokens.
//
// acquire() reserves one token and sleeps until it is due: the bucket may go negative, and
// each caller waits for its own slot. A caller holds at most one reservation at a time, so the
// debt is bounded by the number of concurrent callers, and over any interval T the fleet sends
// at most burst + rate*T requests.
//
// What counts: every request to the V7 API origin (including image fetches from it). PUTs to
// presigned storage URLs do not count: they go to the storage provider, not to V7's API.
//
// Fair share (share_window > 0, the default): the budget is split equally between the jobs
// asking for it, however many threads each asks from. The bucket is a timeline of slots, one
// every 60000/rate ms, each reserved by one request (the last `burst` slots before now serve
// as the burst); a job may take a slot no sooner than N slots after its previous one, N being
// the jobs that reserved within share_window (or still wait for a slot). A job alone uses every
// slot; a newcomer's first call waits at most for the slots already reserved (one per calling
// thread), then the jobs alternate. A job that stops asking (done, dead, its process killed)
// leaves the count after share_window; its keys expire. Still one script call per token.
// share_window = 0: first come, first served (one bucket, no per-job state).
//
// Redis unreachable: the limiter fails open to a per-process bucket with the same rate and
// burst (logged once as a warning, Redis retried every 5 s). The fleet may then exceed the
// budget by a factor of its process count; V7's 429s are still retried with backoff.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/redis/redis_url.hpp"

namespace patchq::redis {
class SyncClient;
}

namespace patchq::v7 {

// The job the calls of this thread are counted to (fair share), for the scope's life. Threads
// that work for a job (upload pools) open a scope of the job's share. No scope: one share for
// every such caller of the fleet (patchqctl, start-up calls).
class ShareScope {
 public:
  explicit ShareScope(std::string_view job_id);
  ~ShareScope();
  ShareScope(const ShareScope&) = delete;
  ShareScope& operator=(const ShareScope&) = delete;
  // The current share's name (a hash of the job id, never the id), empty outside any scope.
  static const std::string& current();

 private:
  std::string previous_;
};

// Opens a scope of an already hashed share name (ShareScope::current() of another thread).
class ShareHandOver {
 public:
  explicit ShareHandOver(std::string share);
  ~ShareHandOver();
  ShareHandOver(const ShareHandOver&) = delete;
  ShareHandOver& operator=(const ShareHandOver&) = delete;

 private:
  std::string previous_;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Blocks until one request may be sent; returns how long it waited.
  virtual std::chrono::milliseconds acquire() = 0;
};

// Token bucket in this process only (also the fallback of FleetRateLimiter). Thread-safe.
class LocalRateLimiter : public RateLimiter {
 public:
  LocalRateLimiter(std::int64_t rate_per_minute, std::int64_t burst);
  std::chrono::milliseconds acquire() override;
  // The wait for one token at `now`, reserving it (exposed for tests).
  std::chrono::milliseconds reserve(std::chrono::steady_clock::time_point now);

 private:
  std::mutex mutex_;
  double per_ms_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

// register_existing(_readonly): V7 allows 100 calls a minute; patchq keeps under 90.
inline constexpr std::string_view kRegistrationBucket = "v7rate-registration";
inline constexpr std::int64_t kRegistrationRatePerMinute = 90;
inline constexpr std::int64_t kRegistrationBurst = 5;

class FleetRateLimiter : public RateLimiter {
 public:
  struct Options {
    redis::RedisEndpoint endpoint;
    std::string key_prefix = "patchq:";
    std::string api_key;  // only its SHA-256 prefix ends up in the bucket's key
    std::int64_t rate_per_minute = 900;
    std::int64_t burst = 30;
    // The budget's name: "v7rate" is the key's 1000 calls a minute; V7 sets some endpoints a
    // budget of their own on top (kRegistrationBucket: external-storage registration).
    std::string bucket = "v7rate";
    // Jobs that reserved within this window share the budget equally; 0: first come, first
    // served.
    std::chrono::milliseconds share_window{1000};
    std::chrono::milliseconds redis_timeout{500};
    std::chrono::milliseconds redis_retry_interval{5000};
  };
  explicit FleetRateLimiter(Options options);
  ~FleetRateLimiter() override;

  std::chrono::milliseconds acquire() override;
  // Reserves one token for `share` (a ShareScope::current() value) without sleeping and
  // returns the wait Redis assigned; nullopt when Redis could not be asked (for tests and
  // benchmarks).
  std::optional<std::chrono::milliseconds> reserve(const std::string& share);
  // "<prefix><bucket>:<first 16 hex of sha256(api key)>".
  static std::string bucket_key(std::string_view prefix, std::string_view api_key,
                                std::string_view bucket = "v7rate");
  bool using_fallback() const;

 private:
  // The wait Redis assigned, or nullopt when Redis could not be asked.
  std::optional<std::chrono::milliseconds> reserve_in_redis(const std::string& share);

  Options options_;
  std::string key_;
  mutable std::mutex mutex_;  // guards client_ and the fallback state
  std::unique_ptr<redis::SyncClient> client_;
  bool fallback_ = false;
  std::chrono::steady_clock::time_point retry_redis_at_;
  LocalRateLimiter local_;
};

}  // namespace patchq::v7
