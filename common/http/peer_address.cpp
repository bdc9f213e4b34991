// Current peer address (see peer_address.hpp): one thread-local view, saved and restored by
// each scope, so scopes nest.
#include "common/http/peer_address.hpp"

namespace patchq::http {
namespace {

thread_local std::string_view current;

}  // namespace

std::string_view current_peer_address() {
  return current;
}

PeerAddressScope::PeerAddressScope(std::string_view address) : previous_(current) {
  current = address;
}

PeerAddressScope::~PeerAddressScope() {
  current = previous_;
}

}  // namespace patchq::http
