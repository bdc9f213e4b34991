// Scrubbing of storage secrets from text that may reach a log line or a job record: server
// replies (which can echo a request), libcurl messages and URLs. Used on every reason a
// StorageError carries.
// Invariant: the result never contains any of the given secrets, a "sig=" value, or the query
// string of a URL that carried a SAS (shown as "?<redacted>").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace patchq::storage {

// Replaces each non-empty secret in `secrets` (an account key, a SAS query, a secret access
// key...) with "<redacted>", then any "sig=<value>" (a SAS signature, also when URL-encoded
// differently from the configured one) with "sig=<redacted>".
std::string scrub_secrets(std::string_view text, const std::vector<std::string_view>& secrets);

// A URL for messages: its query string, if any, replaced by "?<redacted>".
std::string redact_url_query(std::string_view url);

}  // namespace patchq::storage
