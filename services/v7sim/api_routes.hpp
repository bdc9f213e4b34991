// ApiRoutes: the subset of V7's REST API patchq uses (shared/v7/API.md), served from the
// SimStore. Every route here is guarded by the API key (checked by the router); the team in
// the path must be the simulator's team (403 otherwise).
//   token_info       GET  /api/users/token_info
//   datasets         GET  /api/datasets[/]            POST /api/datasets {"name"}
//   item             GET  /api/v2/teams/{team}/items/{item_id}
//   download         GET  /api/v2/teams/{team}/uploads/{upload_id}      -> 302 to storage
//   register_upload  POST /api/v2/teams/{team}/items/register_upload
//   sign             GET  /api/v2/teams/{team}/items/uploads/{upload_id}/sign
//   confirm          POST /api/v2/teams/{team}/items/uploads/{upload_id}/confirm
//   direct_upload    POST /api/v2/teams/{team}/items/direct_upload
//   register_existing           POST /api/v2/teams/{team}/items/register_existing
//   register_existing_readonly  POST /api/v2/teams/{team}/items/register_existing_readonly
#pragma once

#include <boost/beast/http/verb.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result/result.hpp"
#include "services/v7sim/external_storage.hpp"
#include "services/v7sim/routed_call.hpp"
#include "services/v7sim/sim_store.hpp"
#include "services/v7sim/sim_urls.hpp"

namespace patchq::v7sim {

// Answers where V7 itself varies or is undocumented, chosen per stand-in (flags in main.cpp).
struct ApiBehaviour {
  // Blocked reasons as V7 spells them today ("ALREADY_EXISTS") or in lower case (darwin-py
  // upper-cases before comparing, so a client must not depend on the case).
  bool lowercase_blocked_reasons = false;
  // A second sign of a confirmed upload: 409 ALREADY_CONFIRMED (false), or a presigned URL
  // whose PUT overwrites the stored file (true). V7 does not document it; a client must be
  // safe under both.
  bool sign_confirmed_uploads = false;
};

class ApiRoutes {
 public:
  ApiRoutes(SimStore& store, const SimUrls& urls, std::string team_name,
            ApiBehaviour behaviour = {}, std::optional<ExternalStorage> storage = {});
  std::optional<RoutedCall> match(boost::beast::http::verb method,
                                  const std::vector<std::string>& segments);

 private:
  http::Response token_info(const http::Request& req) const;
  http::Response list_datasets(const http::Request& req) const;
  http::Response create_dataset(const http::Request& req);
  http::Response get_item(const http::Request& req, const std::string& item_id) const;
  http::Response item_annotations(const http::Request& req, const std::string& item_id) const;
  http::Response download(const http::Request& req, const std::string& upload_id) const;
  http::Response register_upload(const http::Request& req);
  http::Response sign(const http::Request& req, const std::string& upload_id) const;
  http::Response confirm(const http::Request& req, const std::string& upload_id);
  http::Response direct_upload(const http::Request& req);
  http::Response upload_batch(const http::Request& req, bool direct);
  http::Response register_existing(const http::Request& req, bool readonly);
  std::string_view already_exists() const;  // the blocked reason, spelled as configured

  SimStore& store_;
  const SimUrls& urls_;
  std::string team_name_;
  ApiBehaviour behaviour_;
  std::optional<ExternalStorage> storage_;
};

}  // namespace patchq::v7sim
