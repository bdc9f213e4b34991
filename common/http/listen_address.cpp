#include "common/http/listen_address.hpp"

#include <charconv>

namespace patchq::http {

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string shown(text);
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("expected [address]:port, got '" + shown + "'");
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return fail("expected host:port such as 127.0.0.1:8080, got '" + shown + "'");
    }
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (address.host.empty()) address.host = "0.0.0.0";
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail("port must be 0..65535, got '" + std::string(port_text) + "'");
  }
  address.port = static_cast<unsigned short>(port);
  return address;
}

}  // namespace patchq::http
