// WebhookRoute: POST /webhook?target=<slug> — one V7 delivery in, one job out.
// Checks, in order (the first failing one answers): token (401), signature when configured
// (401), JSON media type (415), target slug (400), payload (400 with the parser's reason, so
// V7's stage shows why), room among the bodies waiting for Redis (503). Then the enqueue: 202
// {"job_id","status":"queued"} only once Redis confirmed the XADD; 200 {"job_id","status":
// "skipped","reason"} for an item patchq cannot cut (no image slot), once its record is stored;
// 200 with the original job for a delivery seen within the dedup window; 503 + Retry-After when the
// queue is full or Redis is unreachable or refuses. (413 is the HTTP server's: it never hands an
// oversize body to a route.)
//
// Invariant: every request gets exactly one answer, and a 202 is sent only after the job's
// record and stream entry are in Redis.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "common/auth/token_auth.hpp"
#include "common/auth/webhook_signature.hpp"
#include "common/http/message.hpp"
#include "services/receiver/job_writer.hpp"
#include "services/receiver/receiver_metrics.hpp"

namespace patchq::receiver {

struct WebhookOptions {
  std::optional<auth::TokenAuth> token;             // none: no token check (--insecure-no-auth)
  std::optional<auth::WebhookSignature> signature;  // none: no signature check
  // Bytes of webhook bodies waiting for Redis at once, at most; past it 503 (a slow Redis must
  // not let thousands of connections pin 4 MiB each).
  std::uint64_t max_pending_bytes = 256u << 20;
  std::chrono::seconds retry_after_unavailable{5};
  std::chrono::seconds retry_after_full{30};
};

// At most one line a second for a condition that can repeat per request.
class LogThrottle {
 public:
  bool allow();

 private:
  std::atomic<std::int64_t> last_{std::numeric_limits<std::int64_t>::min() / 2};
};

class WebhookRoute {
 public:
  WebhookRoute(WebhookOptions options, JobWriter& writer, ReceiverMetrics& metrics);

  // `query` is the request target's decoded query. Answers through `respond`, now (refusals)
  // or from the Redis connection's strand (after the enqueue).
  void handle(http::Request&& request, const std::map<std::string, std::string>& query,
              http::Responder respond);

  // "token", "signature", "token+signature" or "none" (for the start-up log line).
  std::string describe_auth() const;

 private:
  http::Response refuse(const http::Request& request, unsigned status, Rejection reason,
                        std::string_view message);

  WebhookOptions options_;
  LogThrottle refusal_log_;
  LogThrottle unauthorized_log_;
  std::atomic<std::uint64_t> pending_bytes_{0};
  JobWriter& writer_;
  ReceiverMetrics& metrics_;
};

// True for "application/json" and "application/<x>+json", with or without parameters.
bool is_json_media_type(std::string_view content_type);

}  // namespace patchq::receiver
