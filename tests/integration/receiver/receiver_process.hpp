// ReceiverProcess: a real patchq-receiver for one test, on a free loopback port, pointed at the
// test's redis-server; and the pieces the load tests share (unique payloads, a burst of
// concurrent posts that records every answer).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/support/http_call.hpp"
#include "tests/support/redis_server.hpp"

namespace patchq::testing {

inline constexpr const char* kReceiverToken = "integration-token";

class ReceiverProcess {
 public:
  // Starts with --webhook-token kReceiverToken, 2 threads and `extra` flags; waits for
  // /healthz. Fails the test (and leaves process() stopped) if it does not come up.
  ReceiverProcess(const RedisServer& redis, std::vector<std::string> extra = {});

  int port() const { return port_; }
  ChildProcess& process() { return *process_; }

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The shared sample payload with its item id replaced by one derived from `n`.
std::string unique_payload(long n);
std::string item_id_of(long n);

// A POST /webhook of `payload` with the token.
HttpReply post_webhook(int port, const std::string& payload, const std::string& query = "");

// One answer of a burst.
struct Answer {
  int status = 0;  // 0: no HTTP answer (connection refused or reset)
  std::string job_id;
  long n = 0;  // which payload
};

// Posts unique payloads from `threads` threads until `stop` is set (or each thread has sent
// `max_per_thread`), recording every answer.
class Burst {
 public:
  Burst(int port, int threads, long max_per_thread);
  ~Burst();
  void wait();  // joins once every thread has sent its share
  void stop();  // asks the threads to stop after their current request, and joins
  std::vector<Answer> answers() const;
  std::size_t count(int status) const;

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Answer> answers_;
  std::vector<std::thread> threads_;
};

// The job id inside {"job_id":"...",...}, empty when absent.
std::string job_id_of(const std::string& body);

}  // namespace patchq::testing
