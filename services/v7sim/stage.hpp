// StageRunner: plays a V7 webhook stage. POST /_sim/stage hands it a payload and a URL; it
// POSTs the payload with the stage's Authorization header and, like V7, retries a failed
// delivery (any non-2xx, or no answer) `retries` times (5 by default) `retry_delay_ms` apart,
// recording every attempt for GET /_sim/stage/attempts.
// Invariants: attempts of one stage never overlap; each is recorded once, in order; all work
// runs on the server's io_context, so nothing blocks a request thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/v7sim/webhook_sender.hpp"

namespace patchq::v7sim {

struct StageRequest {
  std::string url;
  std::string payload;        // JSON text
  std::string item_spec;      // instead of a payload: the stand-in makes it (stage_payload.hpp)
  std::string authorization;  // sent as Authorization when not empty
  int retries = 5;
  std::chrono::milliseconds retry_delay{60000};  // V7 retries minutes apart
  std::chrono::milliseconds timeout{30000};      // per attempt
};

// {"url":..., "payload":{...} or "item":{...}, "authorization":"...", "retries":5,
//  "retry_delay_ms":.., "timeout_ms":..} -> the request, or the reason it is not one. With
// "item", `item_spec` holds it and `payload` is empty until the caller makes it.
std::variant<StageRequest, std::string> parse_stage_request(std::string_view json_body);

class StageRunner {
 public:
  explicit StageRunner(boost::asio::io_context& ioc);
  std::uint64_t start(StageRequest request);  // the stage id; delivery goes on in the background
  // {"stages":[{"id","url","state","attempts"}],"attempts":[{"stage_id","attempt","status",
  //  "error","at_ms","duration_ms"}]}; state is running, delivered or failed.
  std::string to_json(std::optional<std::uint64_t> stage_id) const;
  void clear();

 private:
  struct Stage {
    std::uint64_t id = 0;
    StageRequest request;
    int attempts = 0;
    std::string state = "running";
  };
  struct Attempt {
    std::uint64_t stage_id = 0;
    int attempt = 0;
    int status = 0;
    std::string error;
    std::int64_t at_ms = 0;
    std::int64_t duration_ms = 0;
  };
  void attempt(std::shared_ptr<Stage> stage);
  void on_result(std::shared_ptr<Stage> stage, std::int64_t at_ms,
                 std::chrono::steady_clock::time_point started, WebhookResult result);

  boost::asio::io_context& ioc_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::vector<std::shared_ptr<Stage>> stages_;
  std::vector<Attempt> attempts_;
};

}  // namespace patchq::v7sim
