#include "common/storage/storage_reply.hpp"

#include <algorithm>
#include <charconv>

#include "common/storage/secret_scrub.hpp"

namespace patchq::storage {
namespace {

constexpr std::size_t kMaxQuoted = 200;  // bytes of a server message quoted in a reason

std::string element_text(std::string_view body, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const auto start = body.find(open);
  if (start == std::string_view::npos) return {};
  const auto from = start + open.size();
  const auto end = body.find(close, from);
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(from, std::min(end - from, kMaxQuoted)));
}

std::string first_line(std::string_view text) {
  const auto end = text.find_first_of("\r\n");
  return std::string(text.substr(0, std::min(end, kMaxQuoted)));
}

}  // namespace

ErrorBody parse_error_body(std::string_view body) {
  return ErrorBody{element_text(body, "Code"), first_line(element_text(body, "Message"))};
}

StorageError transport_failure(const net::TransportError& error, const ReplyContext& context) {
  std::string reason = scrub_secrets(context.what + ": " + error.message, context.secrets);
  return net::is_transient(error.kind) ? StorageError::retryable_error(std::move(reason))
                                       : StorageError::permanent(std::move(reason));
}

StorageError status_failure(const net::HttpResponse& response, const ReplyContext& context) {
  ErrorBody body = parse_error_body(response.body);
  if (auto header = response.header("x-ms-error-code"); header && body.code.empty()) {
    body.code = std::string(header->substr(0, kMaxQuoted));
  }
  std::string reason = context.what + ": " + std::to_string(response.status);
  if (!body.code.empty()) reason += " " + body.code;
  if (const std::string hint = context.hint ? context.hint(response.status, body.code) : "";
      !hint.empty()) {
    reason += " — " + hint;
  }
  if (!body.message.empty()) reason += " (" + body.message + ")";
  reason = scrub_secrets(reason, context.secrets);
  if (is_retryable_status(response.status)) {
    return StorageError::retryable_error(std::move(reason), response.status);
  }
  return StorageError::permanent(std::move(reason), response.status);
}

std::uint64_t response_cap(std::uint64_t max_object_bytes) {
  return std::max<std::uint64_t>(max_object_bytes, 64 << 10);
}

StorageResult<std::string> object_within(std::string body, std::uint64_t max_object_bytes,
                                         const ReplyContext& context) {
  if (body.size() > max_object_bytes) {
    return StorageError::permanent(context.what + ": the object is larger than " +
                                   std::to_string(max_object_bytes) + " bytes");
  }
  return body;
}

std::string head_range(std::uint64_t head_bytes) {
  return "bytes=0-" + std::to_string(std::max<std::uint64_t>(head_bytes, 1) - 1);
}

std::optional<ObjectHead> object_head(net::HttpResponse& response, std::uint64_t head_bytes) {
  ObjectHead head;
  if (response.status == 416) return head;  // a range of an empty object is unsatisfiable
  if (response.status != 200 && response.status != 206) return std::nullopt;
  head.bytes = std::move(response.body);
  head.size = head.bytes.size();
  if (response.status == 206) {
    // "bytes 0-65535/122000"; "*" instead of the size: unknown, the head's size stands.
    const auto range = response.header("content-range");
    const auto slash = range ? range->rfind('/') : std::string_view::npos;
    if (slash != std::string_view::npos) {
      const auto total = range->substr(slash + 1);
      std::uint64_t size = 0;
      const auto [end, ec] = std::from_chars(total.data(), total.data() + total.size(), size);
      if (ec == std::errc() && end == total.data() + total.size()) head.size = size;
    }
  }
  if (head.bytes.size() > head_bytes) head.bytes.resize(head_bytes);
  return head;
}

}  // namespace patchq::storage
