#include "tests/integration/storage/azure_test_sas.hpp"

#include <ctime>

#include "common/codec/base64.hpp"
#include "common/net/url.hpp"
#include "common/storage/azure_shared_key.hpp"
#include "common/storage/azure_store.hpp"

namespace patchq::testing {
namespace {

std::vector<unsigned char> decoded(const std::string& key_base64) {
  const std::string key = codec::base64_decode(key_base64).value();
  return {key.begin(), key.end()};
}

std::string http_date_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

}  // namespace

std::string container_sas(const std::string& account, const std::string& key_base64,
                          const std::string& container, const std::string& permissions,
                          const std::string& expiry) {
  const std::string version = "2020-12-06";
  const std::string protocols = "https,http";
  const std::string to_sign = permissions + "\n" +                           // sp
                              "\n" +                                         // st
                              expiry + "\n" +                                // se
                              "/blob/" + account + "/" + container + "\n" +  // resource
                              "\n" +                                         // si
                              "\n" +                                         // sip
                              protocols + "\n" +                             // spr
                              version + "\n" +                               // sv
                              "c\n" +                                        // sr
                              "\n" +                                         // snapshot
                              "\n" +                                         // ses
                              "\n\n\n\n";                                    // rscc..rsct
  const std::string signature = storage::hmac_sha256_base64(decoded(key_base64), to_sign);
  auto enc = [](const std::string& v) { return net::encode_path_segment(v); };
  return "sv=" + version + "&sr=c&sp=" + enc(permissions) + "&se=" + enc(expiry) +
         "&spr=" + enc(protocols) + "&sig=" + enc(signature);
}

bool create_container(net::HttpClient& http, const std::string& blob_endpoint,
                      const std::string& account, const std::string& key_base64,
                      const std::string& container) {
  const auto endpoint = net::Url::parse(blob_endpoint + "/").value();
  std::string path = endpoint.path() + container;
  net::Headers headers = {{"x-ms-date", http_date_now()},
                          {"x-ms-version", std::string(storage::kAzureApiVersion)}};
  const storage::SharedKeyRequest to_sign{"PUT", path, {{"restype", "container"}}, &headers, 0};
  const net::Credential credential{
      endpoint.origin(), "",
      storage::shared_key_authorization(account, decoded(key_base64), to_sign)};
  net::HttpRequest request;
  request.method = "PUT";
  request.url = blob_endpoint + "/" + container + "?restype=container";
  request.headers = headers;
  request.credential = &credential;
  request.trust_url_host = true;
  auto result = http.send(request);
  return result.ok() && (result.response().status == 201 || result.response().status == 409);
}

}  // namespace patchq::testing
