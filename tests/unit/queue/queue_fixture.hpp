// QueueFixture: a real redis-server and a JobQueue over it, for the queue's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/queue/job_queue.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/wait.hpp"

namespace patchq::queue {

class QueueFixture : public ::testing::Test {
 protected:
  QueueFixture() : client_({server_.endpoint()}), queue_(client_, keys_) { queue_.ensure_group(); }

  // A client and queue of their own, as another worker (or thread) would have.
  struct Peer {
    explicit Peer(const redis::RedisEndpoint& ep, const KeySchema& keys)
        : client({ep}), queue(client, keys) {}
    redis::SyncClient client;
    JobQueue queue;
  };
  std::unique_ptr<Peer> peer() { return std::make_unique<Peer>(server_.endpoint(), keys_); }

  std::string enqueue(const std::string& payload = "{}") {
    JobSpec spec;
    spec.payload = payload;
    spec.target = "ds";
    spec.item_id = "item-1";
    spec.delivery_id = "d-1";
    return queue_.enqueue(spec);
  }

  // Reads and starts the next job as `consumer`; fails the test when none comes.
  Job take(const std::string& consumer) {
    auto delivery = queue_.read(consumer, std::chrono::milliseconds(500));
    EXPECT_TRUE(delivery.has_value());
    if (!delivery) return {};
    auto job = queue_.start(*delivery, consumer);
    EXPECT_TRUE(job.has_value());
    return job ? *job : Job{};
  }

  std::string hget(const std::string& job_id, const std::string& field) {
    return server_.command({"HGET", keys_.job_record(job_id), field}).str;
  }
  long long integer(const std::vector<std::string>& cmd) { return server_.command(cmd).integer; }

  testing::RedisServer server_;
  KeySchema keys_{"t:"};
  redis::SyncClient client_;
  JobQueue queue_;
};

}  // namespace patchq::queue
