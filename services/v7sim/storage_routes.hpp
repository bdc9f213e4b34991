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
  // `overwrite_confirmed`: a PUT to a confirmed upload replaces its file (the stand-in's model
  // of a V7 that signs confirmed uploads again) instead of answering 409.
  StorageRoutes(SimStore& store, const SimUrls& urls, bool overwrite_confirmed = false);
  std::optional<RoutedCall> match(boost::beast::http::verb method,
                                  const std::vector<std::string>& segments);

 private:
  http::Response get_file(const http::Request& req, const http::Target& target,
                          const std::string& upload_id) const;
  http::Response put_file(const http::Request& req, const http::Target& target,
                          const std::string& upload_id);

  SimStore& store_;
  const SimUrls& urls_;
  bool overwrite_confirmed_;
};

}  // namespace patchq::v7sim
