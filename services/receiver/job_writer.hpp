// JobWriter: the receiver's way into Redis. Holds one AsyncClient per server loop (each loop is
// one thread), on that loop with an EnqueueBatcher in front, and sends each job over the
// connection of the loop that handled its request: concurrent requests share few connections
// and few transactions (group commit), and a job never crosses threads on its way to Redis.
// Invariant: enqueue's callback runs exactly once, with the job's outcome or "unavailable".
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "common/queue/enqueue_script.hpp"
#include "common/queue/key_schema.hpp"
#include "common/redis/async_client.hpp"
#include "services/receiver/enqueue_batcher.hpp"

namespace patchq::receiver {

class JobWriter {
 public:
  struct Options {
    redis::AsyncClient::Options client;  // endpoint, timeouts, reconnect counter
    queue::KeySchema keys;
    EnqueueBatcher::Options batching;  // queue limit, dedup window, batch bounds
  };
  // One connection per loop; `loops` must outlive the writer.
  JobWriter(const std::vector<boost::asio::io_context*>& loops, Options options);
  JobWriter(const JobWriter&) = delete;
  JobWriter& operator=(const JobWriter&) = delete;

  void start();
  // Stops every connection (failing what is in flight); `done` runs once all have stopped.
  void stop(std::function<void()> done = nullptr);

  // True while every connection is ready.
  bool ready() const;

  void enqueue(queue::EnqueueRequest request, std::function<void(queue::EnqueueOutcome)> done);

 private:
  std::vector<boost::asio::io_context*> loops_;
  std::vector<std::shared_ptr<redis::AsyncClient>> clients_;
  std::vector<std::shared_ptr<EnqueueBatcher>> batchers_;
};

}  // namespace patchq::receiver
