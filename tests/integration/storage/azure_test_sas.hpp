// Test-side Azure helpers, computed independently of the code under test's request signing:
// a service SAS for a container (signed version 2020-12-06 layout: sp, st, se, canonicalized
// resource "/blob/<account>/<container>", si, sip, spr, sv, sr, snapshot, ses, rscc, rscd,
// rsce, rscl, rsct, joined by '\n', HMAC-SHA256 under the account key), and creating a
// container with Shared Key.
#pragma once

#include <string>

#include "common/net/http_client.hpp"

namespace patchq::testing {

// "sv=...&sr=c&sp=...&se=...&spr=https,http&sig=..." (URL-encoded, without '?').
std::string container_sas(const std::string& account, const std::string& key_base64,
                          const std::string& container, const std::string& permissions,
                          const std::string& expiry = "2099-01-01T00:00:00Z");

// PUT <endpoint>/<container>?restype=container; true when created (201) or already there (409).
bool create_container(net::HttpClient& http, const std::string& blob_endpoint,
                      const std::string& account, const std::string& key_base64,
                      const std::string& container);

}  // namespace patchq::testing
