// ExternalStorage: see external_storage.hpp.
#include "services/v7sim/external_storage.hpp"

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

}  // namespace patchq::v7sim
