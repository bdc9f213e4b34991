// Base64 (see base64.hpp).
#include "common/codec/base64.hpp"

#include <openssl/evp.h>

namespace patchq::codec {
namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(base64_size(bytes.size()), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace and needs whole groups of four: check the
  // characters here, then pad.
  std::size_t data = text.size();
  for (int i = 0; i < 2 && data > 0 && text[data - 1] == '='; ++i) --data;
  if (data % 4 == 1) return std::nullopt;
  if (text.size() != data && text.size() % 4 != 0) return std::nullopt;  // partial padding
  for (std::size_t i = 0; i < data; ++i) {
    if (!in_alphabet(text[i])) return std::nullopt;
  }
  std::string padded(text.substr(0, data));
  padded.append((4 - data % 4) % 4, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()),
                                static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: keep only the encoded ones.
  out.resize(data / 4 * 3 + (data % 4 == 0 ? 0 : data % 4 - 1));
  return out;
}

}  // namespace patchq::codec
