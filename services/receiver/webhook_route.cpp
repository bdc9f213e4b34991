// WebhookRoute (see webhook_route.hpp).
#include "services/receiver/webhook_route.hpp"

#include <boost/beast/http/field.hpp>

#include "common/json/json_writer.hpp"
#include "common/obs/log.hpp"
#include "common/queue/job_identity.hpp"
#include "common/queue/target_slug.hpp"
#include "common/webhook/payload_parser.hpp"

namespace patchq::receiver {
namespace {

namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

std::string job_body(std::string_view job_id, std::string_view status) {
  json::JsonWriter w;
  w.begin_object().field("job_id", job_id).field("status", status).end_object();
  return w.take();
}

}  // namespace

bool LogThrottle::allow() {
  const auto now = Clock::now().time_since_epoch().count();
  auto last = last_.load(std::memory_order_relaxed);
  const auto gap = std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)).count();
  return now - last >= gap && last_.compare_exchange_strong(last, now);
}

namespace {

// The request's version and keep-alive wish, for answering after its body has moved on.
http::Request header_of(const http::Request& request) {
  http::Request h;
  h.version(request.version());
  h.keep_alive(request.keep_alive());
  return h;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

WebhookRoute::WebhookRoute(WebhookOptions options, JobWriter& writer, ReceiverMetrics& metrics)
    : options_(std::move(options)), writer_(writer), metrics_(metrics) {}

std::string WebhookRoute::describe_auth() const {
  if (options_.token && options_.signature) return "token+signature";
  if (options_.token) return "token";
  if (options_.signature) return "signature";
  return "none";
}

http::Response WebhookRoute::refuse(const http::Request& request, unsigned status, Rejection reason,
                                    std::string_view message) {
  metrics_.count_rejection(reason);
  // A 4xx is about one sender's request: worth a line, except that unauthenticated callers
  // get at most one a second (anyone can send them). 503s come in storms during an outage;
  // the Redis client logs the outage itself once. The metrics count every refusal.
  const bool worth_a_line =
      status < 500 && (reason != Rejection::unauthorized || unauthorized_log_.allow());
  obs::LogLine line(worth_a_line ? obs::Level::info : obs::Level::debug, "webhook_rejected");
  line.field("status", status).field("reason", rejection_name(reason)).field("detail", message);
  return http::json_error(request, static_cast<bhttp::status>(status), message);
}

void WebhookRoute::handle(http::Request&& request, const std::map<std::string, std::string>& query,
                          http::Responder respond) {
  if (options_.token && !options_.token->accepts(request[bhttp::field::authorization])) {
    auto res =
        refuse(request, 401, Rejection::unauthorized, "missing or wrong Authorization token");
    res.set(bhttp::field::www_authenticate, "Bearer");
    respond(std::move(res));
    return;
  }
  if (options_.signature) {
    if (auto verified = options_.signature->verify(
            request["webhook-id"], request["webhook-timestamp"], request["webhook-signature"],
            request.body(), std::chrono::system_clock::now());
        !verified) {
      respond(refuse(request, 401, Rejection::bad_signature, verified.error().reason));
      return;
    }
  }
  if (!is_json_media_type(request[bhttp::field::content_type])) {
    respond(refuse(request, 415, Rejection::unsupported_media_type,
                   "Content-Type must be application/json"));
    return;
  }
  std::optional<std::string> target;
  if (auto it = query.find("target"); it != query.end()) {
    if (auto checked = queue::check_slug(it->second, "target"); !checked) {
      respond(refuse(request, 400, Rejection::invalid_target, checked.error().reason));
      return;
    }
    target = it->second;
  }

  webhook::ParseResult parsed = webhook::parse_payload_in_place(request.body());
  if (!parsed) {
    respond(refuse(request, 400, Rejection::invalid_payload, parsed.error().reason));
    return;
  }
  const webhook::Item& item = parsed.value();
  if (!target) {
    if (auto checked = queue::check_slug(item.dataset_slug, "item dataset slug"); !checked) {
      respond(refuse(request, 400, Rejection::invalid_target,
                     checked.error().reason + " (name the target dataset with ?target=)"));
      return;
    }
    target = item.dataset_slug;
  }

  const std::string webhook_id(request["webhook-id"]);
  queue::EnqueueRequest job =
      queue::delivery_job(item.item_id, std::move(*target), std::move(request.body()), webhook_id);

  const std::uint64_t body_bytes = job.payload.size();
  // One body is always let through, however large (the server already bounds each one).
  const std::uint64_t before = pending_bytes_.fetch_add(body_bytes);
  if (before != 0 && before + body_bytes > options_.max_pending_bytes) {
    pending_bytes_.fetch_sub(body_bytes);
    auto res = refuse(header_of(request), 503, Rejection::receiver_busy,
                      "too many webhooks waiting for redis, retry later");
    res.set(bhttp::field::retry_after, std::to_string(options_.retry_after_unavailable.count()));
    respond(std::move(res));
    return;
  }
  metrics_.webhook_started();
  const auto started = Clock::now();
  writer_.enqueue(std::move(job), [this, header = header_of(request), started, body_bytes,
                                   respond = std::move(respond)](queue::EnqueueOutcome outcome) {
    pending_bytes_.fetch_sub(body_bytes);
    metrics_.webhook_finished();
    metrics_.observe_enqueue_seconds(std::chrono::duration<double>(Clock::now() - started).count());
    switch (outcome.status) {
      case queue::EnqueueStatus::queued:
        respond(http::make_response(header, bhttp::status::accepted,
                                    job_body(outcome.job_id, "queued")));
        return;
      case queue::EnqueueStatus::duplicate:
        metrics_.count_dedup_hit();
        respond(
            http::make_response(header, bhttp::status::ok, job_body(outcome.job_id, "duplicate")));
        return;
      case queue::EnqueueStatus::full: {
        auto res = refuse(header, 503, Rejection::queue_full, "queue is full, retry later");
        res.set(bhttp::field::retry_after, std::to_string(options_.retry_after_full.count()));
        respond(std::move(res));
        return;
      }
      case queue::EnqueueStatus::unavailable:
      case queue::EnqueueStatus::refused: {
        const bool refused = outcome.status == queue::EnqueueStatus::refused;
        if (refused && refusal_log_.allow()) {
          obs::log_warn("enqueue_refused_by_redis").field("reason", outcome.reason);
        }
        auto res = refuse(
            header, 503, refused ? Rejection::redis_refused : Rejection::redis_unavailable,
            refused ? "redis refused the job, retry later" : "redis is unavailable, retry later");
        res.set(bhttp::field::retry_after,
                std::to_string(options_.retry_after_unavailable.count()));
        respond(std::move(res));
        return;
      }
    }
  });
}

}  // namespace patchq::receiver
