// What the storage integration tests share: an HttpClient allowed to reach loopback (as a test
// deployment with --allow-private-hosts would), opening a store or failing the test, and the
// odd object name every provider must round-trip.
#pragma once

#include <memory>
#include <string>

#include "common/net/http_client.hpp"
#include "common/storage/object_store.hpp"

namespace patchq::testing {

net::HttpClient& loopback_http();
std::unique_ptr<storage::ObjectStore> open_store(const storage::StorageConfig& config);

// Spaces, '+', '%', '&', '=', a UTF-8 "é" and "漢", and a sub-folder.
inline constexpr const char* kOddObjectName = "sub dir/tile a+b%20&c=d é 漢.png";

// put then get of `bytes` under `key`: both succeed and the bytes come back unchanged.
void expect_round_trip(const storage::ObjectStore& store, const std::string& key,
                       const std::string& bytes);

// get_head after put: a 70000-byte object gives its first 1000 bytes and its whole size, a
// short one all of its bytes, a missing one a permanent 404 error; with `check_empty`, an
// empty one an empty head of size 0. `prefix` names the objects (under the store's prefix).
void expect_head_reads(const storage::ObjectStore& store, const std::string& prefix,
                       bool check_empty = true);

// Bytes with every octet value, NULs included.
std::string binary_bytes(std::size_t size);

}  // namespace patchq::testing
