#include "common/storage/secret_scrub.hpp"

#include <cctype>

namespace patchq::storage {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + kRedacted.size())) {
    text.replace(at, needle.size(), kRedacted);
  }
}

// A SAS signature value runs until a character that cannot be part of a query value.
bool ends_sas_value(char c) {
  return c == '&' || c == '"' || c == '\'' || c == '<' || c == ' ' || c == '\n' || c == '\r' ||
         c == '\t';
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

}  // namespace

std::string scrub_secrets(std::string_view text, const std::vector<std::string_view>& secrets) {
  std::string out(text);
  for (auto secret : secrets) replace_all(out, secret);
  // "sig=" as a whole parameter name only (not "xsig="), any case.
  for (std::size_t at = 0; at + 4 <= out.size(); ++at) {
    const bool starts_name = at == 0 || !is_name_char(out[at - 1]);
    if (!starts_name || std::tolower(static_cast<unsigned char>(out[at])) != 's' ||
        std::tolower(static_cast<unsigned char>(out[at + 1])) != 'i' ||
        std::tolower(static_cast<unsigned char>(out[at + 2])) != 'g' || out[at + 3] != '=') {
      continue;
    }
    std::size_t end = at + 4;
    while (end < out.size() && !ends_sas_value(out[end])) ++end;
    if (out.compare(at + 4, end - at - 4, kRedacted) != 0) {
      out.replace(at + 4, end - at - 4, kRedacted);
    }
    at += 4 + kRedacted.size() - 1;
  }
  return out;
}

std::string redact_url_query(std::string_view url) {
  const auto question = url.find('?');
  if (question == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, question)) + "?" + std::string(kRedacted);
}

}  // namespace patchq::storage
