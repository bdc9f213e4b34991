// Azure Storage "Shared Key" authorization for the Blob service (version 2009-09-19 and later,
// with the 2015-02-21 rule that a zero Content-Length signs as empty): the string-to-sign
// built from a request, and its HMAC-SHA256 under the account key. The one signature patchq
// computes itself (libcurl signs AWS SigV4 but knows nothing of Azure).
// Invariants: the key is only ever an HMAC key; nothing here logs or returns it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net/http_types.hpp"

namespace patchq::storage {

struct SharedKeyRequest {
  std::string_view method;    // "PUT"
  std::string_view url_path;  // the request path exactly as sent (percent-encoded)
  // Query parameters, decoded, in any order (names are lower-cased and sorted when signing).
  std::vector<std::pair<std::string, std::string>> query;
  const net::Headers* headers = nullptr;  // the headers that will be sent
  std::uint64_t content_length = 0;
};

// The canonical string Azure signs: VERB, the standard headers, CanonicalizedHeaders (x-ms-*,
// lower-case, sorted) and CanonicalizedResource ("/<account><path>" plus "\n<name>:<value>"
// for each query parameter).
std::string shared_key_string_to_sign(std::string_view account, const SharedKeyRequest& request);

// base64(HMAC-SHA256(key, message)).
std::string hmac_sha256_base64(const std::vector<unsigned char>& key, std::string_view message);

// "SharedKey <account>:<signature>".
std::string shared_key_authorization(std::string_view account,
                                     const std::vector<unsigned char>& key,
                                     const SharedKeyRequest& request);

}  // namespace patchq::storage
