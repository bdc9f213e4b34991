// ExternalStorage: see external_storage.hpp.
#include "services/v7sim/external_storage.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace patchq::v7sim {

Result<ProbedObject> probe_object(const ExternalStorage& storage, std::string_view storage_key) {
  auto head = storage.read_head(storage_key, kProbeHeadBytes);
  if (!head) return head.error();
  ProbedObject probed{head->size, read_image_size(head->bytes)};
  if (probed.image || head->bytes.size() >= head->size) return probed;
  auto whole = storage.read(storage_key);
  if (!whole) return whole.error();
  probed.bytes = whole->size();
  probed.image = read_image_size(*whole);
  return probed;
}

std::vector<Result<ProbedObject>> probe_objects(const ExternalStorage& storage,
                                                const std::vector<std::string>& storage_keys) {
  std::vector<std::optional<Result<ProbedObject>>> probed(storage_keys.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < storage_keys.size(); i = next++) {
      probed[i].emplace(probe_object(storage, storage_keys[i]));
    }
  };
  const std::size_t helpers = std::min(kProbeConcurrency, storage_keys.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < helpers; ++t) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  std::vector<Result<ProbedObject>> out;
  out.reserve(probed.size());
  for (auto& result : probed) out.push_back(std::move(*result));
  return out;
}

}  // namespace patchq::v7sim
