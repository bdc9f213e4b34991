// ListenAddress: "host:port" or "[v6 address]:port" from a --listen style flag, parsed once
// for every server patchq runs (receiver, worker metrics, V7 stand-in).
// Port 0 means "any free port" (tests); services that cannot use it refuse it themselves.
#pragma once

#include <string>
#include <string_view>

#include "common/result/result.hpp"

namespace patchq::http {

struct ListenAddress {
  std::string host;  // as written, brackets removed; "0.0.0.0" when empty (":8080")
  unsigned short port = 0;
};

// The address, or one line naming the problem when the text is malformed.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace patchq::http
