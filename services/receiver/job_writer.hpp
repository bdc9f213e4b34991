// JobWriter: the receiver's way into Redis. Holds one AsyncClient per I/O thread, each on its
// own strand of the server's io_context with an EnqueueBatcher in front, and sends each job
// over the connection of the thread that handled its request, so concurrent requests share few
// connections and few transactions (group commit) without threads contending for one.
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
    std::size_t connections = 1;
  };
  JobWriter(boost::asio::io_context& io, Options options);
  JobWriter(const JobWriter&) = delete;
  JobWriter& operator=(const JobWriter&) = delete;

  void start();
  // Stops every connection (failing what is in flight); `done` runs once all have stopped.
  void stop(std::function<void()> done = nullptr);

  // True while every connection is ready.
  bool ready() const;

  void enqueue(queue::EnqueueRequest request, std::function<void(queue::EnqueueOutcome)> done);

 private:
  std::vector<std::shared_ptr<redis::AsyncClient>> clients_;
  std::vector<std::shared_ptr<EnqueueBatcher>> batchers_;
};

}  // namespace patchq::receiver
