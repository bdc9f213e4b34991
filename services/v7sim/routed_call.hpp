// RoutedCall: a V7 API or storage request the router recognised, named by its endpoint (the
// name faults and stats use) and guarded either by the API key or by a signed storage token.
#pragma once

#include <boost/beast/http/status.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.hpp"
#include "common/http/target.hpp"

namespace patchq::v7sim {

// The vocabulary every route file of the stand-in speaks (api, storage, control, router).
namespace bhttp = boost::beast::http;
using http::Request;
using http::Response;
using http::Target;

struct RoutedCall {
  std::string_view endpoint;
  enum class Guard { api_key, storage_token } guard = Guard::api_key;
  std::function<http::Response(const http::Request&, const http::Target&)> run;
};

// The request target's path as decoded segments ("/a/b%2Fc/" -> {"a", "b/c"}); a trailing
// empty segment is dropped. nullopt for a malformed escape or a target not starting with '/'.
std::optional<std::vector<std::string>> path_segments(std::string_view target);

}  // namespace patchq::v7sim
