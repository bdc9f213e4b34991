// The TCP peer of the request a Handler is being called for, e.g. "192.0.2.7" or "2001:db8::1"
// (no port). The server sets it on the connection's loop thread for exactly the duration of
// the Handler call, so a route reads it synchronously, before it hands the request on; it is
// empty anywhere else. It is the direct peer: behind a proxy, the proxy's address (no
// forwarded-for header is trusted).
#pragma once

#include <string>
#include <string_view>

namespace patchq::http {

std::string_view current_peer_address();

// Makes `address` the current peer address of this thread until destroyed (the server's
// sessions use it around each Handler call; tests use it to play a client).
class PeerAddressScope {
 public:
  explicit PeerAddressScope(std::string_view address);
  ~PeerAddressScope();
  PeerAddressScope(const PeerAddressScope&) = delete;
  PeerAddressScope& operator=(const PeerAddressScope&) = delete;

 private:
  std::string_view previous_;
};

}  // namespace patchq::http
