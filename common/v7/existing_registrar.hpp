// ExistingRegistrar: how storage mode's uploader turns files already in the customer's bucket
// into V7 items. The uploader hands over one job's batch (<= 100 items) and gets one answer
// per item; the registrar decides how the register_existing(_readonly) calls are made: one
// call per batch (DirectRegistrar), or calls shared by the jobs of the whole fleet
// (RegistrationDesk, common/v7/registration_desk.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/net/http_client.hpp"
#include "common/v7/api_messages.hpp"
#include "common/v7/v7_error.hpp"

namespace patchq::v7 {

class V7Api;

// Where a batch goes: items of equal targets may share a call.
struct ExistingTarget {
  std::string team;
  std::string dataset;
  std::string storage_slug;
  bool readonly = false;
};

// V7's answer for one item.
struct ItemRegistration {
  enum class State { registered, blocked, failed };
  std::string name;
  State state = State::failed;
  std::string blocked_reason;    // State::blocked: V7's reason, e.g. "ALREADY_EXISTS"
  std::optional<V7Error> error;  // State::failed: the call's error
  std::string item_id;           // V7's item id, when its answer names one (registered, blocked)
};

class ExistingRegistrar {
 public:
  virtual ~ExistingRegistrar() = default;
  // One answer per item, in any order; an item without an answer is a failure of the caller's
  // choosing. `api` and `http` are the calling job's (thread's) own.
  virtual std::vector<ItemRegistration> register_items(const V7Api& api, net::HttpClient& http,
                                                       const ExistingTarget& target,
                                                       const std::vector<ExistingItem>& items) = 0;
};

// One register_existing(_readonly) call for the batch, answers taken from V7's reply.
std::vector<ItemRegistration> register_in_one_call(const V7Api& api, net::HttpClient& http,
                                                   const ExistingTarget& target,
                                                   const std::vector<ExistingItem>& items);

class DirectRegistrar : public ExistingRegistrar {
 public:
  std::vector<ItemRegistration> register_items(const V7Api& api, net::HttpClient& http,
                                               const ExistingTarget& target,
                                               const std::vector<ExistingItem>& items) override {
    return register_in_one_call(api, http, target, items);
  }
};

}  // namespace patchq::v7
