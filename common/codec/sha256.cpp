// Sha256 (see sha256.hpp).
#include "common/codec/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

#include "common/codec/hex.hpp"

namespace patchq::codec {
namespace {

const EVP_MD* sha256_algorithm() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
  return md;
}

class ThreadDigest {
 public:
  ThreadDigest() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::runtime_error("OpenSSL cannot allocate a digest context");
  }
  ~ThreadDigest() { EVP_MD_CTX_free(ctx_); }
  ThreadDigest(const ThreadDigest&) = delete;
  ThreadDigest& operator=(const ThreadDigest&) = delete;
  EVP_MD_CTX* get() { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

Sha256Digest sha256(std::initializer_list<std::string_view> parts) {
  thread_local ThreadDigest ctx;
  Sha256Digest out;
  unsigned int size = 0;
  bool ok = EVP_DigestInit_ex2(ctx.get(), sha256_algorithm(), nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out.data(), &size) == 1 && size == out.size();
  if (!ok) throw std::runtime_error("SHA-256 failed inside OpenSSL");
  return out;
}

std::string_view to_hex(const Sha256Digest& digest, std::array<char, 64>& out) {
  return codec::to_hex(digest.data(), digest.size(), out.data());
}

std::string sha256_hex(std::string_view bytes) {
  std::array<char, 64> out;
  return std::string(to_hex(sha256({bytes}), out));
}

}  // namespace patchq::codec
