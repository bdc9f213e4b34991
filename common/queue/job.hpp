// Job and the handler contract: what a worker hands to the code that does the work, and what
// that code hands back. The queue layer knows nothing of V7 or tiling; a handler is any
// function with the JobHandler signature.
//
// Contract for a handler:
//   - It returns one JobOutcome: done (with the tile count), retry (a failure that may pass:
//     timeouts, 5xx, 429; optionally with the server's Retry-After), or dead (a failure that
//     will not pass: 4xx on the item, undecodable image).
//   - An exception escaping it counts as retry with the exception's text.
//   - Its effects must be idempotent: a job runs at least once, and again after a crash or a
//     lost lease.
//   - It polls ctx.stop_requested() at convenient points; when true (shutdown, or the lease
//     went to another worker) it should return soon, e.g. retry("stopped", 0ms).
//   - It reports the time spent per stage (fetch, decode, tile, encode, upload) through
//     ctx.record_stage(); calls are thread-safe and durations of one stage name add up.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace patchq::queue {

struct Job {
  std::string id;
  std::string payload;        // the webhook body as received (decoded from its stored form)
  std::string payload_error;  // set when the stored payload could not be decoded (payload empty)
  std::string target;         // target dataset slug
  std::string item_id;        // V7 item id
  std::string delivery_id;    // the receiver's id of the delivery
  int attempt = 0;            // 0 for the first run; +1 per retry
  std::int64_t received_at_ms = 0;
  std::string stream_entry_id;  // this delivery's entry in the jobs stream
  // Times this stream entry was handed to a worker (1 = first delivery); above 1 it was
  // reclaimed from a worker that crashed, stalled or shut down mid-job.
  int deliveries = 1;
};

// What a done job's tiles were (record fields tiles_new, tiles_already, tiles_superseded):
// uploaded by this attempt; already in the dataset (V7's ALREADY_EXISTS, or an unconfirmed
// upload the journal found finished); tiles an earlier cut of the same item and annotations
// made with another box key, which this cut replaces (nullopt: not known).
struct TileCounts {
  std::int64_t uploaded = 0;
  std::int64_t already = 0;
  std::optional<std::int64_t> superseded;
};

struct JobOutcome {
  enum class Kind { done, retry, dead };
  Kind kind = Kind::done;
  std::int64_t tiles = 0;
  std::string error;
  std::optional<std::chrono::milliseconds> retry_after;
  // done only: what the record should say beside the count (e.g. why there are 0 tiles).
  std::string note;
  // done only, when the handler counts them.
  std::optional<TileCounts> counts;

  static JobOutcome done(std::int64_t tiles, std::string note = {}) {
    return {Kind::done, tiles, {}, std::nullopt, std::move(note), std::nullopt};
  }
  static JobOutcome retry(std::string error,
                          std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    return {Kind::retry, 0, std::move(error), retry_after, {}, std::nullopt};
  }
  static JobOutcome dead(std::string error) {
    return {Kind::dead, 0, std::move(error), std::nullopt, {}, std::nullopt};
  }
};

std::string_view to_string(JobOutcome::Kind kind);

class JobContext {
 public:
  using StopProbe = std::function<bool()>;
  using StageSink = std::function<void(std::string_view stage, std::chrono::nanoseconds)>;

  // Both callables may be empty (a context for tests: never stops, records stages only).
  explicit JobContext(StopProbe stop_probe = {}, StageSink stage_sink = {});

  // True once the worker is shutting down or has lost this job's lease.
  bool stop_requested() const;
  // Adds `duration` to stage `name` and forwards it to the worker's metrics. Thread-safe.
  void record_stage(std::string_view name, std::chrono::nanoseconds duration);
  // Per-stage totals in the order stages were first recorded.
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> stages() const;

 private:
  StopProbe stop_probe_;
  StageSink stage_sink_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> stages_;
};

using JobHandler = std::function<JobOutcome(const Job&, JobContext&)>;

}  // namespace patchq::queue
