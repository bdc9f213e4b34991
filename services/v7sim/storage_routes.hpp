// StorageRoutes: the simulator's object storage, reached only through signed URLs (as V7's
// presigned S3 URLs are): no API key needed, a valid unexpired token required (403 without).
//   storage_get  GET /_storage/files/{upload_id}?token=...   the stored bytes
//   storage_put  PUT /_storage/upload/{upload_id}?token=...  raw bytes, no other header needed
#pragma once

#include <boost/beast/http/verb.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/v7sim/routed_call.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

class StorageRoutes {
 public:
  StorageRoutes(SimStore& store, const SimUrls& urls);
  std::optional<RoutedCall> match(boost::beast::http::verb method,
                                  const std::vector<std::string>& segments);

 private:
  http::Response get_file(const http::Request& req, const http::Target& target,
                          const std::string& upload_id) const;
  http::Response put_file(const http::Request& req, const http::Target& target,
                          const std::string& upload_id);

  SimStore& store_;
  const SimUrls& urls_;
};

}  // namespace patchq::v7sim
