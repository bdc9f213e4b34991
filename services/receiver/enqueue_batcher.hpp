// EnqueueBatcher: turns the jobs handed to one Redis connection into batches (group commit at
// the transaction level). Jobs that arrive while `max_in_flight` batches are waiting for Redis
// are held and go out together, as one transaction (enqueue_script.hpp), as soon as a batch
// returns. At low load a job goes out at once, alone, so batching never adds a wait of its
// own; under load a batch holds whatever arrived during one Redis round trip.
//
// Invariants (all state lives on the client's strand):
//   - Every submitted job's callback runs exactly once, with its own outcome from its batch's
//     reply, or "unavailable" for every job of a batch whose reply did not arrive.
//   - Jobs are sent in submission order; a batch holds at most max_jobs jobs and, beyond its
//     first job, at most max_bytes of payload.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

#include "common/queue/enqueue_script.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/async_client.hpp"

namespace patchq::receiver {

class EnqueueBatcher : public std::enable_shared_from_this<EnqueueBatcher> {
 public:
  struct Options {
    queue::EnqueuePolicy policy;
    std::size_t max_jobs = 64;
    std::size_t max_bytes = 1 << 20;
    std::size_t max_in_flight = 1;
  };
  using Done = std::function<void(queue::EnqueueOutcome)>;

  EnqueueBatcher(std::shared_ptr<redis::AsyncClient> client, queue::KeySchema keys,
                 Options options);

  // Thread-safe; `done` runs on the client's strand.
  void submit(queue::EnqueueRequest request, Done done);

 private:
  struct Waiting {
    queue::EnqueueRequest request;
    Done done;
  };
  void send_ready();  // on the strand

  std::shared_ptr<redis::AsyncClient> client_;
  queue::KeySchema keys_;
  Options options_;
  std::deque<Waiting> waiting_;
  std::size_t in_flight_ = 0;
  bool sending_ = false;
};

}  // namespace patchq::receiver
