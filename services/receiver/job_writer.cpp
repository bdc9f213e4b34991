// JobWriter (see job_writer.hpp).
#include "services/receiver/job_writer.hpp"

#include <atomic>
#include <boost/asio/strand.hpp>

namespace patchq::receiver {

JobWriter::JobWriter(boost::asio::io_context& io, Options options) {
  const std::size_t n = options.connections == 0 ? 1 : options.connections;
  for (std::size_t i = 0; i < n; ++i) {
    auto client_options = options.client;
    client_options.name = "patchq-receiver-" + std::to_string(i);
    clients_.push_back(
        redis::AsyncClient::create(boost::asio::make_strand(io), std::move(client_options)));
    batchers_.push_back(
        std::make_shared<EnqueueBatcher>(clients_.back(), options.keys, options.batching));
  }
}

void JobWriter::start() {
  for (auto& c : clients_) c->start();
}

void JobWriter::stop(std::function<void()> done) {
  auto remaining = std::make_shared<std::atomic<std::size_t>>(clients_.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& c : clients_) {
    c->stop([remaining, shared_done] {
      if (remaining->fetch_sub(1) == 1 && *shared_done) (*shared_done)();
    });
  }
}

bool JobWriter::ready() const {
  for (const auto& c : clients_) {
    if (!c->ready()) return false;
  }
  return true;
}

void JobWriter::enqueue(queue::EnqueueRequest request,
                        std::function<void(queue::EnqueueOutcome)> done) {
  // Threads get consecutive numbers on first use; the server's N threads map onto N
  // connections.
  static std::atomic<std::size_t> next_thread{0};
  thread_local const std::size_t thread_number = next_thread.fetch_add(1);
  batchers_[thread_number % batchers_.size()]->submit(std::move(request), std::move(done));
}

}  // namespace patchq::receiver
