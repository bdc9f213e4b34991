#include "common/v7/direct_upload_desk.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <unordered_set>

namespace patchq::v7 {

DirectUploadDesk::DirectUploadDesk(Options options) : options_(std::move(options)) {
  if (options_.metrics == nullptr) return;
  obs::Registry& r = *options_.metrics;
  calls_counter_ = &r.counter("patchq_direct_upload_desk_calls_total",
                              "direct_upload calls made for jobs' last, partly filled calls");
  requests_counter_ = &r.counter("patchq_direct_upload_desk_requests_total",
                                 "Jobs' last direct_upload calls handed to the desk");
  shared_counter_ = &r.counter("patchq_direct_upload_desk_shared_calls_total",
                               "direct_upload calls that carried more than one job's tiles");
}

V7Result<RegisterResponse> DirectUploadDesk::upload(const V7Api& api, net::HttpClient& http,
                                                    std::string_view team, std::string_view dataset,
                                                    const std::vector<DirectUploadItem>& items) {
  Request request;
  request.items = &items;
  for (const auto& item : items) request.bytes += direct_upload_item_bytes(item);

  std::unique_lock lock(mutex_);
  Lane& lane = lanes_[LaneKey(team, dataset)];
  lane.waiting.push_back(&request);
  while (!request.answered) {
    if (lane.calling) {
      answered_.wait(lock);
      continue;
    }
    // No shared call in flight: this caller leads the next one, which may not carry its own
    // request (an older one comes first); then it goes round again. The token first: jobs that
    // arrive while the budget makes it wait join this call.
    lane.calling = true;
    if (options_.budget) {
      lock.unlock();
      options_.budget->prepay();
      lock.lock();
    }
    std::vector<Request*> call = take_call(lane, dataset);
    ++stats_.calls;
    if (calls_counter_ != nullptr) calls_counter_->inc();
    if (call.size() > 1) {
      ++stats_.shared_calls;
      if (shared_counter_ != nullptr) shared_counter_->inc();
    }
    lock.unlock();
    try {
      send(api, http, team, dataset, call);
    } catch (const std::exception& e) {
      // The lane must not stay taken: every request of the call gets the failure to retry.
      for (Request* taken : call) {
        taken->answer = V7Error::retryable_error(std::string("direct_upload: ") + e.what());
      }
    }
    lock.lock();
    lane.calling = false;
    for (Request* taken : call) taken->answered = true;
    answered_.notify_all();
  }
  ++stats_.jobs_sent;
  if (requests_counter_ != nullptr) requests_counter_->inc();
  // Looked up again: an answered caller may wake after the lane was dropped.
  const auto idle = lanes_.find(LaneKey(team, dataset));
  if (idle != lanes_.end() && idle->second.waiting.empty() && !idle->second.calling) {
    lanes_.erase(idle);
  }
  return std::move(request.answer);
}

std::vector<DirectUploadDesk::Request*> DirectUploadDesk::take_call(Lane& lane,
                                                                    std::string_view dataset) {
  std::vector<Request*> call;
  std::unordered_set<std::string_view> names;
  std::size_t item_count = 0;
  std::uint64_t body_bytes = direct_upload_envelope_bytes(dataset) - 1;  // no separator at the end
  for (auto it = lane.waiting.begin(); it != lane.waiting.end();) {
    Request* request = *it;
    const bool fits = call.empty() || (body_bytes + request->bytes <= options_.call_bytes &&
                                       item_count + request->items->size() <= options_.call_items);
    const bool clashes = std::any_of(request->items->begin(), request->items->end(),
                                     [&](const auto& item) { return names.contains(item.name); });
    if (!fits || clashes) {
      ++it;
      continue;
    }
    for (const auto& item : *request->items) names.insert(item.name);
    body_bytes += request->bytes;
    item_count += request->items->size();
    call.push_back(request);
    it = lane.waiting.erase(it);
  }
  return call;
}

void DirectUploadDesk::send(const V7Api& api, net::HttpClient& http, std::string_view team,
                            std::string_view dataset, const std::vector<Request*>& call) {
  std::vector<DirectUploadItem> items;
  for (const Request* request : call) {
    items.insert(items.end(), request->items->begin(), request->items->end());
  }
  auto answer = api.direct_upload(http, team, dataset, items);
  if (!answer && !answer.error().retryable() && call.size() > 1) {
    // Whose tile V7 refused is unknown: each request gets its own call and its own answer.
    for (Request* request : call) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.calls;
        ++stats_.resent_alone;
        if (calls_counter_ != nullptr) calls_counter_->inc();
      }
      request->answer = api.direct_upload(http, team, dataset, *request->items);
    }
    return;
  }
  for (Request* request : call) request->answer = answer;
}

DirectUploadDeskStats DirectUploadDesk::stats() const {
  std::lock_guard lock(mutex_);
  DirectUploadDeskStats now = stats_;
  for (const auto& [key, lane] : lanes_) {
    now.waiting += lane.waiting.size();
    if (lane.calling) ++now.calling;
  }
  return now;
}

}  // namespace patchq::v7
