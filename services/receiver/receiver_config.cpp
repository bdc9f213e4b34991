// ReceiverConfig (see receiver_config.hpp).
#include "services/receiver/receiver_config.hpp"

#include <charconv>
#include <thread>

#include "common/http/listen_address.hpp"
#include "common/obs/log.hpp"
#include "common/queue/key_schema.hpp"

namespace patchq::receiver {

ReceiverConfigResult parse_receiver_config(const std::vector<std::string>& args) {
  ReceiverConfigResult result;
  ReceiverConfig& c = result.config;
  config::FlagSet flags(
      "patchq-receiver",
      "Receives V7 webhook deliveries and queues them as jobs in Redis (202 once stored).");
  flags
      .add_string("listen", &c.listen, "PATCHQ_LISTEN", "Address and port to listen on (host:port)")
      .add_int("threads", &c.threads, "PATCHQ_THREADS",
               "I/O threads, each with one Redis connection (0: one per core)", 0, 256)
      .add_string("redis", &c.redis_url, "PATCHQ_REDIS_URL",
                  "Redis URL, redis://[:password@]host[:port][/db]")
      .add_string("prefix", &c.prefix, "PATCHQ_PREFIX", "Prefix of every Redis key")
      .add_string("webhook-token", &c.webhook_token, "PATCHQ_WEBHOOK_TOKEN",
                  "Shared token V7 sends as Authorization (\"Bearer <token>\" or the bare token)",
                  true)
      .add_string("webhook-secret", &c.webhook_secret, "PATCHQ_WEBHOOK_SECRET",
                  "Standard Webhooks signing secret (whsec_...) for senders other than V7 (V7 "
                  "signs no stage delivery); when set, signatures are required",
                  true)
      .add_string("admin-token", &c.admin_token, "PATCHQ_ADMIN_TOKEN",
                  "Token for the status page and admin API (/status, /api/...), at least 16 "
                  "characters; unset: those routes are off",
                  true)
      .add_bool("insecure-no-auth", &c.insecure_no_auth, "PATCHQ_INSECURE_NO_AUTH",
                "Accept webhooks without any authentication (local trials only)")
      .add_bytes("max-body", &c.max_body, "PATCHQ_MAX_BODY",
                 "Largest webhook body accepted (413 above)")
      .add_int("max-queue", &c.max_queue, "PATCHQ_MAX_QUEUE",
               "Answer 503 while the jobs stream holds this many entries (0: no limit)", 0)
      .add_duration("header-timeout", &c.header_timeout, "PATCHQ_HEADER_TIMEOUT",
                    "Time allowed to send the request headers")
      .add_duration("body-timeout", &c.body_timeout, "PATCHQ_BODY_TIMEOUT",
                    "Time allowed to send the body (and to read the answer)")
      .add_duration("idle-timeout", &c.idle_timeout, "PATCHQ_IDLE_TIMEOUT",
                    "Keep-alive connections idle this long are closed")
      .add_duration("redis-timeout", &c.redis_timeout, "PATCHQ_REDIS_TIMEOUT",
                    "A Redis connection with no reply for this long is dropped and re-dialled")
      .add_int("max-connections", &c.max_connections, "PATCHQ_MAX_CONNECTIONS",
               "Open client connections at most (more are closed at once)", 1)
      .add_bytes("max-pending", &c.max_pending, "PATCHQ_MAX_PENDING",
                 "Webhook bytes waiting for Redis at once, at most (503 above)")
      .add_int("batch-jobs", &c.batch_jobs, "PATCHQ_BATCH_JOBS",
               "Most jobs written to Redis in one transaction", 1, 4096)
      .add_int("batches-in-flight", &c.batches_in_flight, "PATCHQ_BATCHES_IN_FLIGHT",
               "Transactions awaiting Redis per connection before new jobs wait to be batched", 1,
               1024)
      .add_duration("skipped-ttl", &c.skipped_ttl, "PATCHQ_SKIPPED_TTL",
                    "How long the record of a skipped delivery (an item patchq cannot cut) is kept")
      .add_duration("shutdown-grace", &c.shutdown_grace, "PATCHQ_SHUTDOWN_GRACE",
                    "On SIGTERM, time allowed for in-flight requests to finish")
      .add_choice("log-level", &c.log_level, "PATCHQ_LOG_LEVEL", "debug, info, warn or error",
                  obs::log_level_names());
  const config::ParseResult parsed = flags.parse(args);
  result.status = parsed.status;
  result.message = parsed.message;
  if (parsed.status != config::ParseStatus::ok) return result;

  auto fail = [&](std::string message) {
    result.status = config::ParseStatus::error;
    result.message = "patchq-receiver: " + std::move(message);
    return result;
  };
  if (!parsed.positional.empty()) return fail("unexpected argument '" + parsed.positional[0] + "'");
  auto listen = http::parse_listen_address(c.listen);
  if (!listen) return fail("--listen: " + listen.error().reason);
  c.host = listen->host;
  c.port = listen->port;
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  auto endpoint = redis::parse_redis_url(c.redis_url);
  // The parser's text never holds the password.
  if (!endpoint) return fail("--redis: " + endpoint.error().reason);
  c.redis = *endpoint;
  if (c.prefix.empty()) return fail("--prefix must not be empty");
  if (!c.webhook_token.empty()) c.token.emplace(c.webhook_token);
  if (!c.webhook_secret.empty()) {
    auto signature = auth::WebhookSignature::from_secret(c.webhook_secret);
    if (!signature) return fail("--webhook-secret: " + signature.error().reason);
    c.signature = std::move(*signature);
  }
  if (!c.token && !c.signature && !c.insecure_no_auth) {
    return fail(
        "refusing to start without webhook authentication: set --webhook-token "
        "(PATCHQ_WEBHOOK_TOKEN) to the value V7's webhook stage sends as Authorization, or "
        "--webhook-secret, or pass --insecure-no-auth for a local trial");
  }
  if (c.max_body == 0) return fail("--max-body must be above 0");
  if (c.skipped_ttl < std::chrono::seconds(1)) return fail("--skipped-ttl must be at least 1s");
  if (!c.admin_token.empty()) {
    if (c.admin_token.size() < 16) return fail("--admin-token must be at least 16 characters");
    if (c.admin_token == c.webhook_token) {
      return fail("--admin-token must differ from --webhook-token");
    }
  }
  return result;
}

}  // namespace patchq::receiver
