#include "tests/integration/storage/store_test_support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace patchq::testing {

net::HttpClient& loopback_http() {
  static net::HttpClient client([] {
    net::HttpClientOptions options;
    options.rules = net::HostRules({}, /*allow_private=*/true);
    options.connect_timeout = std::chrono::seconds(2);
    options.transfer_timeout = std::chrono::seconds(20);
    return options;
  }());
  return client;
}

std::unique_ptr<storage::ObjectStore> open_store(const storage::StorageConfig& config) {
  auto store = storage::ObjectStore::open(config);
  if (!store) throw std::runtime_error("ObjectStore::open: " + store.error().reason);
  return std::move(*store);
}

void expect_round_trip(const storage::ObjectStore& store, const std::string& key,
                       const std::string& bytes) {
  SCOPED_TRACE(key);
  auto put = store.put(loopback_http(), key, bytes, "image/png");
  ASSERT_TRUE(put.ok()) << put.error().reason;
  auto got = store.get(loopback_http(), key, bytes.size() + 1);
  ASSERT_TRUE(got.ok()) << got.error().reason;
  EXPECT_EQ(*got, bytes);
}

std::string binary_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  return bytes;
}

}  // namespace patchq::testing
