// Hmac (see hmac.hpp).
#include "common/codec/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

#include "common/codec/hex.hpp"

namespace patchq::codec {
namespace {

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

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_algorithm()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  Sha256Digest out;
  std::size_t size = 0;
  bool ok = ctx && EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()),
                                key.size(), params) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                              part.size()) == 1;
  }
  ok = ok && EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) == 1 && size == out.size();
  if (!ok) throw std::runtime_error("HMAC-SHA256 failed inside OpenSSL");
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  const Sha256Digest mac = hmac_sha256(key, {message});
  return to_hex(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace patchq::codec
