#include "common/net/transfer_pool.hpp"

namespace patchq::net {

TransferPool::TransferPool(std::size_t threads, const HttpClientOptions& options)
    : per_thread_(std::max<std::size_t>(1, threads)) {
  for (std::size_t i = 0; i < per_thread_.size(); ++i) {
    threads_.emplace_back([this, i, options] {
      HttpClient client(options);
      run(i, client);
    });
  }
}

TransferPool::~TransferPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  threads_.clear();  // jthread joins
}

void TransferPool::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

HttpClientStats TransferPool::stats() const {
  std::lock_guard lock(mutex_);
  HttpClientStats sum;
  for (const auto& s : per_thread_) {
    sum.requests += s.requests;
    sum.connections_opened += s.connections_opened;
  }
  return sum;
}

void TransferPool::run(std::size_t index, HttpClient& client) {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task(client);
    std::lock_guard lock(mutex_);
    per_thread_[index] = client.stats();
  }
}

}  // namespace patchq::net
