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

void expect_head_reads(const storage::ObjectStore& store, const std::string& prefix,
                       bool check_empty) {
  const std::string bytes = binary_bytes(70000);
  const std::string big = store.storage_key(prefix + "big.png");
  ASSERT_TRUE(store.put(loopback_http(), big, bytes, "image/png").ok());
  auto head = store.get_head(loopback_http(), big, 1000);
  ASSERT_TRUE(head.ok()) << head.error().reason;
  EXPECT_EQ(head->bytes, bytes.substr(0, 1000));
  EXPECT_EQ(head->size, 70000u);

  const std::string small = store.storage_key(prefix + "small.png");
  ASSERT_TRUE(store.put(loopback_http(), small, bytes.substr(0, 300), "image/png").ok());
  head = store.get_head(loopback_http(), small, 1000);
  ASSERT_TRUE(head.ok()) << head.error().reason;
  EXPECT_EQ(head->bytes, bytes.substr(0, 300));
  EXPECT_EQ(head->size, 300u);

  if (check_empty) {
    const std::string empty = store.storage_key(prefix + "empty.png");
    ASSERT_TRUE(store.put(loopback_http(), empty, "", "image/png").ok());
    head = store.get_head(loopback_http(), empty, 1000);
    ASSERT_TRUE(head.ok()) << head.error().reason;
    EXPECT_EQ(head->bytes, "");
    EXPECT_EQ(head->size, 0u);
  }

  head = store.get_head(loopback_http(), store.storage_key(prefix + "missing.png"), 1000);
  ASSERT_FALSE(head.ok());
  EXPECT_FALSE(head.error().retryable());
  EXPECT_EQ(head.error().http_status, 404) << head.error().reason;
}

std::string binary_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 256) & 0xff);
  return bytes;
}

}  // namespace patchq::testing
