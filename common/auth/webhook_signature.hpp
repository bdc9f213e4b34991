// WebhookSignature: verification of Standard Webhooks signatures (the optional second check
// on incoming webhooks, beside the shared token). A sender signs
//   "<webhook-id>.<webhook-timestamp>.<body>"
// with HMAC-SHA256 under a shared secret ("whsec_" + base64 of the key) and sends
//   webhook-id, webhook-timestamp (unix seconds), webhook-signature ("v1,<base64 mac>", several
//   space-separated during key rotation).
//
// Invariants:
//   - A signature is accepted only when its MAC matches (CRYPTO_memcmp over equal-length
//     MACs) and the timestamp is within the tolerance of now, in either direction (replays of
//     old captures fail).
//   - Refusal reasons name what was wrong, never the key or the expected MAC.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/codec/sha256.hpp"
#include "common/result/result.hpp"

namespace patchq::auth {

class WebhookSignature {
 public:
  // `secret` is "whsec_<base64>" (or bare base64). Fails, with the reason, when it is not
  // valid base64 or decodes to nothing.
  static Result<WebhookSignature> from_secret(std::string_view secret);

  // ok when the headers carry a valid signature of `body`; else the reason for refusing.
  Status verify(std::string_view id, std::string_view timestamp, std::string_view signatures,
                std::string_view body, std::chrono::system_clock::time_point now,
                std::chrono::seconds tolerance = std::chrono::minutes(5)) const;

  // The "v1,<base64>" signature a sender would send (tests, tools).
  std::string sign(std::string_view id, std::string_view timestamp, std::string_view body) const;

 private:
  explicit WebhookSignature(std::string key) : key_(std::move(key)) {}
  codec::Sha256Digest mac(std::string_view id, std::string_view timestamp,
                          std::string_view body) const;
  std::string key_;
};

}  // namespace patchq::auth
