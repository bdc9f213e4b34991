#include "common/storage/object_store.hpp"

#include "common/storage/azure_store.hpp"
#include "common/storage/s3_store.hpp"

namespace patchq::storage {

Result<std::unique_ptr<ObjectStore>> ObjectStore::open(const StorageConfig& config) {
  if (!config.enabled()) return fail("storage mode is off (no --storage-url)");
  if (auto valid = validate(config); !valid) return valid.error();
  auto location = parse_storage_url(config.url);
  if (!location) return location.error();
  std::unique_ptr<ObjectStore> store;
  if (location->provider == Provider::azure) {
    store = std::make_unique<AzureStore>(
        AzureStore::Options{std::move(*location), config.endpoint, config.azure_key});
  } else {
    const Provider provider = location->provider;
    store = std::make_unique<S3Store>(S3Store::Options{
        std::move(*location), config.endpoint, signing_region(config, provider),
        config.aws_access_key_id, config.aws_secret_access_key, config.aws_session_token});
  }
  return store;
}

}  // namespace patchq::storage
