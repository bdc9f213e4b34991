// JobWriter (see job_writer.hpp).
#include "services/receiver/job_writer.hpp"

#include <atomic>
#include <boost/asio/strand.hpp>

namespace patchq::receiver {

JobWriter::JobWriter(const std::vector<boost::asio::io_context*>& loops, Options options)
    : loops_(loops) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    auto client_options = options.client;
    client_options.name = "patchq-receiver-" + std::to_string(i);
    clients_.push_back(redis::AsyncClient::create(boost::asio::make_strand(*loops_[i]),
                                                  std::move(client_options)));
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
  // The connection of the loop this request is handled on; from elsewhere (tests, a thread
  // of no loop), the connections in turn.
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    if (loops_[i]->get_executor().running_in_this_thread()) {
      batchers_[i]->submit(std::move(request), std::move(done));
      return;
    }
  }
  static std::atomic<std::size_t> next{0};
  batchers_[next.fetch_add(1) % batchers_.size()]->submit(std::move(request), std::move(done));
}

}  // namespace patchq::receiver
