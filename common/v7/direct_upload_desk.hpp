// DirectUploadDesk: direct_upload calls shared by the jobs of one worker process. Every V7 API
// call counts against the fleet's budget of 1000 a minute, and a job's last call is usually
// far from V7's 30 MB limit (20 tiles of 120 KB fill a tenth of it), so jobs that finish
// close together send their last tiles in one call.
// Group commit, per (team, dataset): at most one shared call is in flight. Its leader first
// takes its API token (prepaid from the budget the clients' V7Api spend from), then takes every
// waiting job's tiles that fit one call (JSON and base64 together, at most call_items items),
// oldest first; jobs that arrive while it waits for the token or while the call is in flight
// wait for the next call. So calls fill up exactly as far as the budget makes jobs wait: with
// tokens to spare nothing lingers and a lone job sends at once. A full call (one job's 30 MB)
// does not come here; it leaves on its own.
// Two tiles of one name never share a call (V7 item names are unique per folder, and what V7
// does with a duplicate inside one request is undocumented): the later waits for the next call,
// where V7 answers ALREADY_EXISTS as for any re-run. A call V7 refuses for good (a
// non-retryable error) is sent again per job, so one job's bad tile cannot fail another's
// tiles; a retryable failure is every sharing job's (each retries, idempotently).
// Thread-safe: upload() blocks its caller (a transfer-pool thread) until V7 answered; the
// caller's bytes stay alive because the caller waits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net/http_client.hpp"
#include "common/obs/metrics.hpp"
#include "common/v7/api_messages.hpp"
#include "common/v7/prepaying_limiter.hpp"
#include "common/v7/v7_api.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

struct DirectUploadDeskStats {
  std::uint64_t calls = 0;         // direct_upload calls the desk made (or is making)
  std::uint64_t jobs_sent = 0;     // upload() requests answered
  std::uint64_t shared_calls = 0;  // calls that carried more than one request
  std::uint64_t resent_alone = 0;  // requests sent again on their own after a permanent failure
  std::uint64_t waiting = 0;       // now: requests waiting for a call
  std::uint64_t calling = 0;       // now: shared calls in flight
};

class DirectUploadDesk {
 public:
  struct Options {
    std::uint64_t call_bytes = 30'000'000;  // V7's limit on the whole request
    std::size_t call_items = kDirectUploadItemsPerCall;
    // The budget the clients' V7Api spend from (the same object, or the prepaid token is not
    // the one spent); null: a leader takes no token first.
    std::shared_ptr<PrepayingLimiter> budget;
    obs::Registry* metrics = nullptr;  // not owned; may be null
  };
  explicit DirectUploadDesk(Options options);
  DirectUploadDesk() : DirectUploadDesk(Options{}) {}
  DirectUploadDesk(const DirectUploadDesk&) = delete;
  DirectUploadDesk& operator=(const DirectUploadDesk&) = delete;

  // Sends `items` to `dataset`, alone or with other jobs' items, and returns V7's answer for
  // the call that carried them (which may name other jobs' items too: match by name). `api`
  // and `http` are the caller's; a call is made with the caller's when it leads it.
  V7Result<RegisterResponse> upload(const V7Api& api, net::HttpClient& http, std::string_view team,
                                    std::string_view dataset,
                                    const std::vector<DirectUploadItem>& items);

  DirectUploadDeskStats stats() const;

 private:
  struct Request {
    const std::vector<DirectUploadItem>* items = nullptr;
    std::size_t bytes = 0;  // the items' share of a request body
    bool answered = false;
    V7Result<RegisterResponse> answer = V7Error::retryable_error("not sent");
  };
  struct Lane {
    std::deque<Request*> waiting;
    bool calling = false;
  };
  using LaneKey = std::pair<std::string, std::string>;  // team, dataset

  // Takes the oldest waiting requests that fit one call; mutex held.
  std::vector<Request*> take_call(Lane& lane, std::string_view dataset);
  void send(const V7Api& api, net::HttpClient& http, std::string_view team,
            std::string_view dataset, const std::vector<Request*>& call);

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable answered_;
  std::map<LaneKey, Lane> lanes_;
  DirectUploadDeskStats stats_;
  obs::Counter* calls_counter_ = nullptr;
  obs::Counter* requests_counter_ = nullptr;
  obs::Counter* shared_counter_ = nullptr;
};

}  // namespace patchq::v7
