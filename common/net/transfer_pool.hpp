// TransferPool: a fixed set of threads, each owning one HttpClient, running submitted
// transfers in FIFO order. Each thread's client keeps its connections open between tasks, so a
// worker process reuses a handful of connections to V7 and storage across tiles and jobs.
// Invariants: a task runs on exactly one thread with that thread's client; the destructor runs
// every task already submitted, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/net/http_client.hpp"

namespace patchq::net {

class TransferPool {
 public:
  using Task = std::function<void(HttpClient&)>;
  TransferPool(std::size_t threads, const HttpClientOptions& options);
  ~TransferPool();
  TransferPool(const TransferPool&) = delete;
  TransferPool& operator=(const TransferPool&) = delete;

  void submit(Task task);
  std::size_t size() const { return threads_.size(); }
  // Sum over the pool's clients, live.
  HttpClientStats stats() const;

 private:
  void run(HttpClient& client);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<HttpClient>> clients_;  // clients_[i] is used by threads_[i] only
  std::vector<std::jthread> threads_;
};

}  // namespace patchq::net
