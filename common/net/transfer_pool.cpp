#include "common/net/transfer_pool.hpp"

namespace patchq::net {

TransferPool::TransferPool(std::size_t threads, const HttpClientOptions& options) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    clients_.push_back(std::make_unique<HttpClient>(options));
  }
  for (auto& client : clients_) {
    threads_.emplace_back([this, c = client.get()] { run(*c); });
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
  HttpClientStats sum;
  for (const auto& client : clients_) {
    const auto s = client->stats();
    sum.requests += s.requests;
    sum.connections_opened += s.connections_opened;
  }
  return sum;
}

void TransferPool::run(HttpClient& client) {
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
  }
}

}  // namespace patchq::net
