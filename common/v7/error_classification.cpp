#include "common/v7/error_classification.hpp"

#include <string>

#include "common/net/retry_after.hpp"
#include "common/v7/api_messages.hpp"

namespace patchq::v7 {
namespace {

// At most 200 printable bytes of a reply, for an error text.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (body.size() > 200) out += "...";
  return out;
}

}  // namespace

bool is_retryable_status(int status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

V7Error classify_response(const net::HttpResponse& response, std::string_view what,
                          std::chrono::system_clock::time_point now) {
  std::string reason = std::string(what) + ": HTTP " + std::to_string(response.status);
  const auto code = error_code(response.body);
  if (!response.body.empty()) reason += ": " + excerpt(response.body);
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto header = response.header("retry-after")) {
    retry_after = net::parse_retry_after(*header, now);
  }
  if (response.status == 429 && code == "INSUFFICIENT_REMAINING_STORAGE") {
    return V7Error{V7Error::Kind::permanent, response.status, std::move(reason), retry_after};
  }
  const auto kind =
      is_retryable_status(response.status) ? V7Error::Kind::retryable : V7Error::Kind::permanent;
  return V7Error{kind, response.status, std::move(reason), retry_after};
}

V7Error classify_transport(const net::TransportError& error, std::string_view what) {
  std::string reason = std::string(what) + ": " + error.message;
  // One list of the failures worth another try, shared with object storage (common/net).
  if (net::is_transient(error.kind)) return V7Error::retryable_error(std::move(reason));
  return V7Error::permanent(std::move(reason));
}

std::string scrub_secret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace patchq::v7
