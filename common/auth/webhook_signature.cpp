// WebhookSignature (see webhook_signature.hpp).
#include "common/auth/webhook_signature.hpp"

#include <openssl/crypto.h>

#include <charconv>

#include "common/codec/base64.hpp"
#include "common/codec/hmac.hpp"

namespace patchq::auth {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMacSize = 32;  // SHA-256
constexpr std::size_t kMaxIdLength = 256;

}  // namespace

Result<WebhookSignature> WebhookSignature::from_secret(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  auto key = codec::base64_decode(secret);
  if (!key || key->empty()) {
    return fail("the webhook signing secret must be \"whsec_\" followed by base64");
  }
  return WebhookSignature(std::move(*key));
}

codec::Sha256Digest WebhookSignature::mac(std::string_view id, std::string_view timestamp,
                                          std::string_view body) const {
  return codec::hmac_sha256(key_, {id, ".", timestamp, ".", body});
}

std::string WebhookSignature::sign(std::string_view id, std::string_view timestamp,
                                   std::string_view body) const {
  const auto m = mac(id, timestamp, body);
  return "v1," +
         codec::base64_encode(std::string_view(reinterpret_cast<const char*>(m.data()), m.size()));
}

Status WebhookSignature::verify(std::string_view id, std::string_view timestamp,
                                std::string_view signatures, std::string_view body,
                                std::chrono::system_clock::time_point now,
                                std::chrono::seconds tolerance) const {
  if (id.empty() || timestamp.empty() || signatures.empty()) {
    return fail("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (id.size() > kMaxIdLength) return fail("webhook-id is too long");
  long long seconds = 0;
  const auto [end, ec] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) {
    return fail("webhook-timestamp is not a number of seconds");
  }
  const auto sent = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  if (sent < now - tolerance || sent > now + tolerance) {
    return fail("webhook-timestamp is more than " + std::to_string(tolerance.count()) +
                " s away from the receiver's clock");
  }
  const auto expected = mac(id, timestamp, body);
  bool matched = false;
  while (!signatures.empty()) {
    const auto space = signatures.find(' ');
    const std::string_view one = signatures.substr(0, space);
    signatures =
        space == std::string_view::npos ? std::string_view() : signatures.substr(space + 1);
    if (!one.starts_with("v1,")) continue;  // other schemes (v1a: asymmetric) are not ours
    const auto presented = codec::base64_decode(one.substr(3));
    if (!presented || presented->size() != kMacSize) continue;
    matched |= CRYPTO_memcmp(presented->data(), expected.data(), kMacSize) == 0;
  }
  if (!matched) return fail("webhook-signature does not match the body");
  return ok_status();
}

}  // namespace patchq::auth
