#include "common/v7/existing_registrar.hpp"

#include <unordered_set>

#include "common/v7/v7_api.hpp"

namespace patchq::v7 {

std::vector<ItemRegistration> register_in_one_call(const V7Api& api, net::HttpClient& http,
                                                   const ExistingTarget& target,
                                                   const std::vector<ExistingItem>& items) {
  std::vector<ItemRegistration> answers;
  answers.reserve(items.size());
  auto response = api.register_existing(http, target.team, target.dataset, target.storage_slug,
                                        items, target.readonly);
  if (!response) {
    for (const auto& item : items) {
      answers.push_back({item.name, ItemRegistration::State::failed, "", response.error(), ""});
    }
    return answers;
  }
  std::unordered_set<std::string_view> wanted;
  for (const auto& item : items) wanted.insert(item.name);
  std::unordered_set<std::string_view> answered;
  for (const auto& blocked : response->blocked) {
    if (!wanted.contains(blocked.name) || !answered.insert(blocked.name).second) continue;
    answers.push_back(
        {blocked.name, ItemRegistration::State::blocked, blocked.reason, {}, blocked.id});
  }
  for (const auto& item : response->items) {
    if (!wanted.contains(item.name) || !answered.insert(item.name).second) continue;
    answers.push_back({item.name, ItemRegistration::State::registered, "", {}, item.id});
  }
  return answers;
}

}  // namespace patchq::v7
