// ListenAddress: "host:port" or "[v6 address]:port" from a --listen style flag, parsed once
// for every server patchq runs (receiver, worker metrics, V7 stand-in).
// Port 0 means "any free port" (tests); services that cannot use it refuse it themselves.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace patchq::http {

struct ListenAddress {
  std::string host;  // as written, brackets removed; "0.0.0.0" when empty (":8080")
  unsigned short port = 0;
};

// nullopt with `error` set (one line naming the problem) when the text is malformed.
std::optional<ListenAddress> parse_listen_address(std::string_view text,
                                                  std::string* error = nullptr);

}  // namespace patchq::http
