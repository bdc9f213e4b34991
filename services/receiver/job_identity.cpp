// Job identity (see job_identity.hpp).
#include "services/receiver/job_identity.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace patchq::receiver {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// SHA-256, fetched once per process and one context per thread: an implicit fetch per digest
// costs more than hashing a 2 KiB payload.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    md_ = md;
    if (md_ == nullptr || ctx_ == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void begin() {
    if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1) throw std::runtime_error("SHA-256 init");
  }
  void field(std::string_view bytes) {
    // Length first (8 bytes, big-endian), then the bytes.
    unsigned char length[8];
    std::uint64_t n = bytes.size();
    for (int i = 7; i >= 0; --i, n >>= 8) length[i] = static_cast<unsigned char>(n & 0xff);
    EVP_DigestUpdate(ctx_, length, sizeof length);
    EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
  }
  std::string hex() {
    unsigned char digest[32];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_, digest, &size) != 1) throw std::runtime_error("SHA-256 final");
    std::string out(2 * size, '\0');
    for (unsigned i = 0; i < size; ++i) {
      out[2 * i] = kHex[digest[i] >> 4];
      out[2 * i + 1] = kHex[digest[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
  const EVP_MD* md_;
};

Sha256& thread_sha256() {
  thread_local Sha256 sha;
  return sha;
}

}  // namespace

std::string new_job_id(std::chrono::system_clock::time_point now) {
  std::array<unsigned char, 16> b;
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  if (RAND_bytes(b.data() + 6, 10) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // variant 10
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string delivery_hash(std::string_view item_id, std::string_view target,
                          std::string_view payload) {
  Sha256& sha = thread_sha256();
  sha.begin();
  sha.field("delivery");
  sha.field(item_id);
  sha.field(target);
  sha.field(payload);
  return sha.hex();
}

std::string delivery_hash_of_webhook_id(std::string_view webhook_id, std::string_view target) {
  Sha256& sha = thread_sha256();
  sha.begin();
  sha.field("webhook-id");
  sha.field(webhook_id);
  sha.field(target);
  return sha.hex();
}

}  // namespace patchq::receiver
