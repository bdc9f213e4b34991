// WebhookSignature (see webhook_signature.hpp).
#include "common/auth/webhook_signature.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>
#include <stdexcept>

namespace patchq::auth {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMacSize = 32;  // SHA-256
constexpr std::size_t kMaxIdLength = 256;

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// The HMAC algorithm object, fetched once (fetching per call costs more than the MAC itself).
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL has no HMAC implementation");
  return mac;
}

}  // namespace

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<unsigned char> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  std::size_t size = static_cast<std::size_t>(n);
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::optional<WebhookSignature> WebhookSignature::from_secret(std::string_view secret,
                                                              std::string* error) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  auto key = base64_decode(secret);
  if (!key || key->empty()) {
    if (error) *error = "the webhook signing secret must be \"whsec_\" followed by base64";
    return std::nullopt;
  }
  return WebhookSignature(std::move(*key));
}

std::vector<unsigned char> WebhookSignature::mac(std::string_view id, std::string_view timestamp,
                                                 std::string_view body) const {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  std::vector<unsigned char> out(kMacSize);
  std::size_t size = 0;
  const auto update = [&](std::string_view part) {
    return EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                          part.size()) == 1;
  };
  if (!ctx || EVP_MAC_init(ctx.get(), key_.data(), key_.size(), params) != 1 || !update(id) ||
      !update(".") || !update(timestamp) || !update(".") || !update(body) ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != kMacSize) {
    throw std::runtime_error("HMAC-SHA256 failed inside OpenSSL");
  }
  return out;
}

std::string WebhookSignature::sign(std::string_view id, std::string_view timestamp,
                                   std::string_view body) const {
  const auto m = mac(id, timestamp, body);
  return "v1," + base64_encode(m.data(), m.size());
}

std::optional<std::string> WebhookSignature::problem(std::string_view id,
                                                     std::string_view timestamp,
                                                     std::string_view signatures,
                                                     std::string_view body,
                                                     std::chrono::system_clock::time_point now,
                                                     std::chrono::seconds tolerance) const {
  if (id.empty() || timestamp.empty() || signatures.empty()) {
    return "missing webhook-id, webhook-timestamp or webhook-signature header";
  }
  if (id.size() > kMaxIdLength) return "webhook-id is too long";
  long long seconds = 0;
  const auto [end, ec] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) {
    return "webhook-timestamp is not a number of seconds";
  }
  const auto sent = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
  if (sent < now - tolerance || sent > now + tolerance) {
    return "webhook-timestamp is more than " + std::to_string(tolerance.count()) +
           " s away from the receiver's clock";
  }
  const auto expected = mac(id, timestamp, body);
  bool matched = false;
  while (!signatures.empty()) {
    const auto space = signatures.find(' ');
    const std::string_view one = signatures.substr(0, space);
    signatures =
        space == std::string_view::npos ? std::string_view() : signatures.substr(space + 1);
    if (!one.starts_with("v1,")) continue;  // other schemes (v1a: asymmetric) are not ours
    const auto presented = base64_decode(one.substr(3));
    if (!presented || presented->size() != kMacSize) continue;
    matched |= CRYPTO_memcmp(presented->data(), expected.data(), kMacSize) == 0;
  }
  if (!matched) return "webhook-signature does not match the body";
  return std::nullopt;
}

}  // namespace patchq::auth
