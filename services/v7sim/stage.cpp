// StageRunner: see stage.hpp.
#include "services/v7sim/stage.hpp"

#include <simdjson.h>

#include <boost/asio/steady_timer.hpp>

#include "common/clock/unix_ms.hpp"
#include "common/json/json_writer.hpp"
#include "common/obs/log.hpp"

namespace patchq::v7sim {

namespace {

// An optional whole-number field within [min, max]; false when present and not such.
bool read_bounded(simdjson::dom::object obj, std::string_view key, std::int64_t min,
                  std::int64_t max, std::int64_t& out) {
  simdjson::dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return true;
  std::int64_t value = 0;
  if (e.get_int64().get(value) != simdjson::SUCCESS || value < min || value > max) return false;
  out = value;
  return true;
}

}  // namespace

std::variant<StageRequest, std::string> parse_stage_request(std::string_view json_body) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json_body.data(), json_body.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return std::string("body must be a JSON object");
  }
  StageRequest r;
  std::string_view text;
  if (obj["url"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    return std::string("url is required");
  }
  r.url = std::string(text);
  simdjson::dom::element payload;
  if (obj["payload"].get(payload) == simdjson::SUCCESS) {
    r.payload = simdjson::minify(payload);
  } else if (obj["item"].get(payload) == simdjson::SUCCESS) {
    r.item_spec = simdjson::minify(payload);
  } else {
    return std::string("payload or item is required");
  }
  simdjson::dom::element auth;
  if (obj["authorization"].get(auth) == simdjson::SUCCESS) {
    if (auth.get_string().get(text) != simdjson::SUCCESS) {
      return std::string("authorization must be a string");
    }
    r.authorization = std::string(text);
  }
  std::int64_t retries = r.retries;
  std::int64_t delay = r.retry_delay.count();
  std::int64_t timeout = r.timeout.count();
  if (!read_bounded(obj, "retries", 0, 50, retries)) return std::string("retries must be 0..50");
  if (!read_bounded(obj, "retry_delay_ms", 0, 3600000, delay)) {
    return std::string("retry_delay_ms must be 0..3600000");
  }
  if (!read_bounded(obj, "timeout_ms", 1, 600000, timeout)) {
    return std::string("timeout_ms must be 1..600000");
  }
  r.retries = static_cast<int>(retries);
  r.retry_delay = std::chrono::milliseconds(delay);
  r.timeout = std::chrono::milliseconds(timeout);
  return r;
}

StageRunner::StageRunner(boost::asio::io_context& ioc) : ioc_(ioc) {}

std::uint64_t StageRunner::start(StageRequest request) {
  auto stage = std::make_shared<Stage>();
  stage->request = std::move(request);
  {
    std::lock_guard lock(mu_);
    stage->id = next_id_++;
    stages_.push_back(stage);
  }
  attempt(stage);
  return stage->id;
}

void StageRunner::attempt(std::shared_ptr<Stage> stage) {
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t at_ms = clock::unix_ms();
  const StageRequest& r = stage->request;
  send_webhook(ioc_, r.url, r.payload, r.authorization, r.timeout,
               [this, stage, at_ms, started](WebhookResult result) {
                 on_result(stage, at_ms, started, std::move(result));
               });
}

void StageRunner::on_result(std::shared_ptr<Stage> stage, std::int64_t at_ms,
                            std::chrono::steady_clock::time_point started, WebhookResult result) {
  const bool delivered = result.status >= 200 && result.status < 300;
  bool again = false;
  {
    std::lock_guard lock(mu_);
    ++stage->attempts;
    attempts_.push_back({stage->id, stage->attempts, result.status, result.error, at_ms,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count()});
    if (delivered) {
      stage->state = "delivered";
    } else if (stage->attempts > stage->request.retries) {
      stage->state = "failed";
    } else {
      again = true;
    }
  }
  obs::log_info("stage_attempt")
      .field("stage_id", stage->id)
      .field("attempt", stage->attempts)
      .field("status", result.status)
      .field("error", result.error);
  if (!again) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, stage->request.retry_delay);
  timer->async_wait([this, stage, timer](boost::system::error_code ec) {
    if (!ec) attempt(stage);
  });
}

std::string StageRunner::to_json(std::optional<std::uint64_t> stage_id) const {
  std::lock_guard lock(mu_);
  json::JsonWriter w;
  w.begin_object().key("stages").begin_array();
  for (const auto& s : stages_) {
    if (stage_id && s->id != *stage_id) continue;
    w.begin_object().field("id", s->id).field("url", s->request.url).field("state", s->state);
    w.field("attempts", s->attempts).end_object();
  }
  w.end_array().key("attempts").begin_array();
  for (const auto& a : attempts_) {
    if (stage_id && a.stage_id != *stage_id) continue;
    w.begin_object().field("stage_id", a.stage_id).field("attempt", a.attempt);
    w.field("status", a.status).field("error", a.error).field("at_ms", a.at_ms);
    w.field("duration_ms", a.duration_ms).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

void StageRunner::clear() {
  std::lock_guard lock(mu_);
  attempts_.clear();
  std::erase_if(stages_, [](const auto& s) { return s->state != "running"; });
}

}  // namespace patchq::v7sim
