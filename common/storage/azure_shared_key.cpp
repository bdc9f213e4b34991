#include "common/storage/azure_shared_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/codec/base64.hpp"
#include "common/codec/hmac.hpp"

namespace patchq::storage {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string header_value(const net::Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (lower(name) == lower_name) return value;
  }
  return {};
}

}  // namespace

std::string shared_key_string_to_sign(std::string_view account, const SharedKeyRequest& request) {
  static const net::Headers kNoHeaders;
  const net::Headers& headers = request.headers ? *request.headers : kNoHeaders;
  std::string text(request.method);
  text += '\n';
  for (std::string_view name : {"content-encoding", "content-language"}) {
    text += header_value(headers, name) + "\n";
  }
  text += request.content_length == 0 ? "" : std::to_string(request.content_length);
  text += '\n';
  for (std::string_view name : {"content-md5", "content-type", "date", "if-modified-since",
                                "if-match", "if-none-match", "if-unmodified-since", "range"}) {
    text += header_value(headers, name) + "\n";
  }

  std::vector<std::pair<std::string, std::string>> ms_headers;
  for (const auto& [name, value] : headers) {
    std::string lower_name = lower(name);
    if (lower_name.starts_with("x-ms-")) ms_headers.emplace_back(std::move(lower_name), value);
  }
  std::sort(ms_headers.begin(), ms_headers.end());
  for (const auto& [name, value] : ms_headers) text += name + ":" + value + "\n";

  text += "/";
  text += account;
  text += request.url_path;
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : request.query) query.emplace_back(lower(name), value);
  std::sort(query.begin(), query.end());
  for (const auto& [name, value] : query) text += "\n" + name + ":" + value;
  return text;
}

std::string hmac_sha256_base64(const std::vector<unsigned char>& key, std::string_view message) {
  const auto mac = codec::hmac_sha256(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), {message});
  return codec::base64_encode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string shared_key_authorization(std::string_view account,
                                     const std::vector<unsigned char>& key,
                                     const SharedKeyRequest& request) {
  return "SharedKey " + std::string(account) + ":" +
         hmac_sha256_base64(key, shared_key_string_to_sign(account, request));
}

}  // namespace patchq::storage
