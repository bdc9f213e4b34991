// EnqueueBatcher (see enqueue_batcher.hpp).
#include "services/receiver/enqueue_batcher.hpp"

#include <boost/asio/dispatch.hpp>
#include <vector>

namespace patchq::receiver {

EnqueueBatcher::EnqueueBatcher(std::shared_ptr<redis::AsyncClient> client, queue::KeySchema keys,
                               Options options)
    : client_(std::move(client)), keys_(std::move(keys)), options_(options) {
  if (options_.max_jobs == 0) options_.max_jobs = 1;
  if (options_.max_in_flight == 0) options_.max_in_flight = 1;
}

void EnqueueBatcher::submit(queue::EnqueueRequest request, Done done) {
  boost::asio::dispatch(
      client_->executor(),
      [self = shared_from_this(), request = std::move(request), done = std::move(done)]() mutable {
        self->waiting_.push_back({std::move(request), std::move(done)});
        self->send_ready();
      });
}

void EnqueueBatcher::send_ready() {
  // A batch that fails at once (Redis down) calls back into here; the outer loop goes on.
  if (sending_) return;
  sending_ = true;
  while (in_flight_ < options_.max_in_flight && !waiting_.empty()) {
    std::vector<queue::EnqueueRequest> requests;
    std::vector<Done> dones;
    std::size_t bytes = 0;
    while (!waiting_.empty() && requests.size() < options_.max_jobs &&
           (requests.empty() ||
            bytes + waiting_.front().request.payload.size() <= options_.max_bytes)) {
      bytes += waiting_.front().request.payload.size();
      requests.push_back(std::move(waiting_.front().request));
      dones.push_back(std::move(waiting_.front().done));
      waiting_.pop_front();
    }
    ++in_flight_;
    queue::enqueue_async(*client_, keys_, std::move(requests), options_.policy,
                         [self = shared_from_this(),
                          dones = std::move(dones)](std::vector<queue::EnqueueOutcome> outcomes) {
                           --self->in_flight_;
                           for (std::size_t i = 0; i < dones.size(); ++i)
                             dones[i](std::move(outcomes[i]));
                           self->send_ready();
                         });
  }
  sending_ = false;
}

}  // namespace patchq::receiver
